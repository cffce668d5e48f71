"""Local stand-ins of Twilio's Messages API and Telegram's Bot API, inside the app.

``diodo run`` with the simulator on points ``DIODO_TWILIO_API_BASE_URL`` and
``DIODO_TELEGRAM_API_BASE_URL`` here (with demo credentials), so the real twilio and
python-telegram-bot clients send here instead of to the internet. What they send is put
on the simulated phone's screen; Telegram updates typed on the page wait here for the
app's own polling loop. Only the calls the app makes are served, checked against the
configured credentials (a caller without them gets what Twilio or Telegram would say).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import json
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from helpdesk.channels.sms import STATUS_PATH
from helpdesk.settings import Settings
from helpdesk.simulator.service import (
    BOT_USER,
    SMS_API_PATH,
    TELEGRAM_API_PATH,
    SimulatorStore,
)
from helpdesk.simulator.transport import app_client, signed_twilio_post

router = APIRouter(include_in_schema=False)

# Long polls are answered after at most this long, so a stopping app is not held up by
# its own polling loop (uvicorn waits for open requests before the lifespan ends).
MAX_POLL_SECONDS = 4.0
STATUS_DELAY_SECONDS = 1.0
INVALID_TO = 21211  # Twilio: "The 'To' number is not a valid phone number."


def _store(request: Request) -> SimulatorStore:
    return request.app.state.simulator  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _params(request: Request) -> dict[str, str]:
    """Form (both clients send urlencoded forms) or JSON body, plus the query."""
    params = dict(request.query_params)
    if not await request.body():
        return params
    if "json" in request.headers.get("content-type", ""):
        body = json.loads(await request.body())
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    else:
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


# --- Twilio ------------------------------------------------------------------------


def _twilio_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "status": status}, status_code=status)


def _twilio_authorised(request: Request, account_sid: str) -> bool:
    settings = _settings(request)
    token = settings.twilio_auth_token.get_secret_value()
    if not token or account_sid != settings.twilio_account_sid:
        return False
    expected = base64.b64encode(f"{account_sid}:{token}".encode()).decode()
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Basic {expected}".encode())


def _resource(account_sid: str, sid: str, to: str, sender: str, body: str, segments: int) -> Any:
    return {
        "sid": sid,
        "account_sid": account_sid,
        "to": to,
        "from": sender,
        "body": body,
        "status": "queued",
        "num_segments": str(segments),
        "direction": "outbound-api",
        "api_version": "2010-04-01",
    }


@router.api_route(
    SMS_API_PATH + "/2010-04-01/Accounts/{account_sid}/Messages.json", methods=["GET", "POST"]
)
async def twilio_messages(request: Request, account_sid: str) -> JSONResponse:
    """Messages: POST sends an SMS to a simulated phone, GET lists the ones sent."""
    if not _twilio_authorised(request, account_sid):
        return _twilio_error(401, 20003, "Authenticate")
    store = _store(request)
    params = await _params(request)
    if request.method == "GET":
        size = int(params.get("PageSize") or 50)
        found = store.sent_sms(to=params.get("To"), sender=params.get("From"))[:size]
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        return JSONResponse(
            {
                "messages": [
                    _resource(account_sid, m.ref, to, m.sender, m.text, m.segments)
                    for to, m in found
                ],
                "page": 0,
                "page_size": size,
                "first_page_uri": uri,
                "uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
            }
        )
    to, sender, body = params.get("To", ""), params.get("From", ""), params.get("Body", "")
    phone = store.by_number(to)
    if phone is None:
        return _twilio_error(400, INVALID_TO, "The 'To' number is not a simulated phone.")
    sid = f"SM{uuid.uuid4().hex}"
    message = store.add(phone, "sms", body, from_phone=False, ref=sid, sender=sender)
    callback = params.get("StatusCallback")
    if callback:
        _report_delivered(request, sid, to, sender)
    return JSONResponse(
        _resource(account_sid, sid, to, sender, body, message.segments), status_code=201
    )


def _report_delivered(request: Request, sid: str, to: str, sender: str) -> None:
    """Twilio's status callback "delivered", signed, through the app's real handler."""
    app, settings = request.app, _settings(request)
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.twilio_account_sid,
        "MessageStatus": "delivered",
        "To": to,
        "From": sender,
    }

    async def report() -> None:
        await asyncio.sleep(STATUS_DELAY_SECONDS)  # as Twilio: after the send returned
        # A report lost while the app stops is harmless: the SMS stays "queued".
        with contextlib.suppress(Exception):
            async with app_client(app) as client:
                await signed_twilio_post(client, settings, STATUS_PATH, params)

    tasks: set[asyncio.Task[None]] = app.state.simulator_tasks
    task = asyncio.create_task(report())
    tasks.add(task)
    task.add_done_callback(tasks.discard)


# --- Telegram ----------------------------------------------------------------------


def _telegram(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _telegram_error(status: int, description: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error_code": status, "description": description}, status_code=status
    )


@router.post(TELEGRAM_API_PATH + "{token}/{method}")
async def telegram_method(request: Request, token: str, method: str) -> JSONResponse:
    """The Bot API methods the app calls: getMe, deleteWebhook, getUpdates, sendMessage,
    answerCallbackQuery (webhook mode is not simulated: ``diodo run`` switches it off)."""
    expected = _settings(request).telegram_bot_token.get_secret_value()
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return _telegram_error(401, "Unauthorized")
    store = _store(request)
    params = await _params(request)
    if method == "getMe":
        return _telegram(BOT_USER)
    if method in ("deleteWebhook", "answerCallbackQuery"):
        return _telegram(True)
    if method == "getUpdates":
        timeout = min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
        return _telegram(await store.get_updates(int(params.get("offset") or 0), timeout))
    if method == "sendMessage":
        return _send_message(store, params)
    return _telegram_error(404, "Not Found")


def _send_message(store: SimulatorStore, params: dict[str, str]) -> JSONResponse:
    chat_id = params.get("chat_id", "")
    phone = store.by_chat(int(chat_id)) if chat_id.lstrip("-").isdigit() else None
    if phone is None:
        return _telegram_error(400, "Bad Request: chat not found")
    markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
    rows = (markup or {}).get("inline_keyboard", [])
    buttons = tuple(
        (str(button.get("text", "")), str(button.get("callback_data", "")))
        for row in rows
        for button in row
    )
    message_id = store.next_message_id()
    text = params.get("text", "")
    store.add(phone, "telegram", text, from_phone=False, buttons=buttons, ref=str(message_id))
    result: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": phone.chat_id, "type": "private"},
        "from": BOT_USER,
        "text": text,
    }
    if markup:
        result["reply_markup"] = markup
    return _telegram(result)
