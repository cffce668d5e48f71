"""The simulator page and its JSON API (the simulated phones' side).

A browser tab gets a phone (a number of the demo range and a Telegram chat) and keeps its
key in ``Authorization: Bearer``, like the web chat's session id. Typing an SMS posts a
signed Twilio webhook to the app's real handler; typing in the Telegram thread queues an
update for the app's real polling loop. Replies arrive through ``local_api``. Texts and
numbers are never logged here.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Security, status
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from helpdesk.channels.sms import INBOUND_PATH
from helpdesk.deps import SettingsDep
from helpdesk.settings import Settings
from helpdesk.simulator import local_api
from helpdesk.simulator.service import (
    SMS_API_PATH,
    TELEGRAM_API_PATH,
    Phone,
    SimulatorStore,
    ThreadMessage,
    UnknownButton,
    wired_to_simulator,
)
from helpdesk.simulator.transport import app_client, signed_twilio_post

router = APIRouter(prefix="/simulator", include_in_schema=False)
_bearer = HTTPBearer(auto_error=False)
KEY_PATTERN = r"^[A-Za-z0-9_-]{20,64}$"
MAX_WAIT_SECONDS = 20.0
# API details are for developers; the page shows its own German texts (simulator.js).
NOT_READY = "this channel is not wired to the simulator (see docs/operations.md)"


class PhoneOut(BaseModel):
    key: str
    number: str


class ButtonOut(BaseModel):
    title: str


class MessageOut(BaseModel):
    id: int
    channel: str
    from_phone: bool
    text: str
    buttons: list[ButtonOut]
    ref: str
    segments: int


class ThreadOut(BaseModel):
    number: str
    messages: list[MessageOut]
    cursor: int


class SmsIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class TelegramIn(BaseModel):
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    message_ref: str | None = Field(default=None, max_length=20)
    button: int | None = Field(default=None, ge=0, le=99)


def channels_ready(settings: Settings) -> dict[str, bool]:
    """Which channels the simulator may drive: enabled and wired to the stand-ins."""
    return {
        "sms": settings.sms_enabled
        and wired_to_simulator(settings.twilio_api_base_url, SMS_API_PATH),
        "telegram": settings.telegram_enabled
        and not settings.telegram_webhook_secret.get_secret_value()
        and wired_to_simulator(settings.telegram_api_base_url, TELEGRAM_API_PATH),
    }


def _store(request: Request) -> SimulatorStore:
    return request.app.state.simulator  # type: ignore[no-any-return]


def _phone(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Phone:
    """The tab's phone; 404 when unknown (e.g. after a restart: the page takes a new one)."""
    key = credentials.credentials if credentials is not None else ""
    phone = _store(request).phone(key) if re.fullmatch(KEY_PATTERN, key) else None
    if phone is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown phone")
    return phone


PhoneDep = Annotated[Phone, Depends(_phone)]


def _out(message: ThreadMessage) -> MessageOut:
    return MessageOut(
        id=message.id,
        channel=message.channel,
        from_phone=message.from_phone,
        text=message.text,
        buttons=[ButtonOut(title=title) for title, _ in message.buttons],
        ref=message.ref,
        segments=message.segments,
    )


@router.get("", response_class=HTMLResponse)
def simulator_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The page: an SMS phone and a Telegram chat, side by side."""
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "simulator.html",
        {"ready": channels_ready(settings), "max_length": settings.max_message_chars},
    )


@router.post("/api/phones", status_code=status.HTTP_201_CREATED)
async def new_phone(request: Request) -> PhoneOut:
    """A new simulated phone for this browser tab."""
    phone = _store(request).new_phone()
    return PhoneOut(key=phone.key, number=phone.number)


@router.get("/api/messages")
async def messages(
    request: Request,
    phone: PhoneDep,
    after: Annotated[int, Query(ge=0)] = 0,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
) -> ThreadOut:
    """The phone's messages after ``after``, waiting up to ``wait`` seconds for one."""
    store = _store(request)
    if wait:
        await store.wait_for_messages(phone, after, wait)
    found = store.messages_after(phone, after)
    return ThreadOut(
        number=phone.number,
        messages=[_out(message) for message in found],
        cursor=found[-1].id if found else after,
    )


@router.post("/api/sms", status_code=status.HTTP_202_ACCEPTED)
async def send_sms(
    body: SmsIn, request: Request, phone: PhoneDep, settings: SettingsDep
) -> dict[str, bool]:
    """The phone sends an SMS: Twilio's signed webhook, to the app's real handler."""
    if not channels_ready(settings)["sms"]:
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_READY)
    _store(request).add(phone, "sms", body.text, from_phone=True)
    sid = f"SM{uuid.uuid4().hex}"
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.twilio_account_sid,
        "From": phone.number,
        "To": settings.twilio_from_number,
        "Body": body.text,
        "NumMedia": "0",
    }
    async with app_client(request.app) as client:
        response = await signed_twilio_post(client, settings, INBOUND_PATH, params)
    if response.status_code != status.HTTP_200_OK:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "the SMS webhook refused the message")
    return {"ok": True}


@router.post("/api/telegram", status_code=status.HTTP_202_ACCEPTED)
async def send_telegram(
    body: TelegramIn, request: Request, phone: PhoneDep, settings: SettingsDep
) -> dict[str, bool]:
    """A text or a button press, queued for the app's Telegram polling loop."""
    if not channels_ready(settings)["telegram"]:
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_READY)
    store = _store(request)
    if body.text is not None:
        store.text_update(phone, body.text)
    elif body.message_ref is not None and body.button is not None:
        try:
            store.button_update(phone, body.message_ref, body.button)
        except UnknownButton as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown button") from exc
    else:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "text, or message_ref and button, required"
        )
    return {"ok": True}


def register(app: FastAPI) -> None:
    """Mount the simulator (only when ``DIODO_SIMULATOR`` is on; see ``create_app``)."""
    app.state.simulator = SimulatorStore()
    app.state.simulator_tasks = set()
    app.include_router(router)
    app.include_router(local_api.router)
