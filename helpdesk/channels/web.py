"""Web chat channel: the chat page and its JSON API (post a message, poll for replies).

The session id is the chat's only secret, so it travels in ``Authorization: Bearer
<session id>``, never in a URL (URLs end up in access logs, proxy logs and browser
history). The older form with the id in the path answers the same until its sunset,
marked deprecated (``helpdesk.channels.web_legacy``). Abuse limits per session and per
client address (``helpdesk.channels.limits``) answer 429 with a German ``detail``.
"""

from __future__ import annotations

import asyncio
import math
import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security, status
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from helpdesk.channels.kiosk import kiosk_for
from helpdesk.channels.limits import POLL_RETRY_SECONDS
from helpdesk.conversations import service
from helpdesk.conversations.models import Channel, OutboundKind
from helpdesk.conversations.notify import wait_for
from helpdesk.conversations.text import InvalidMessage, clean_text
from helpdesk.db import MAX_ROW_ID
from helpdesk.deps import DbDep, KeysDep, LimitsDep, NotifierDep, SettingsDep
from helpdesk.privacy.notice import web_notice
from helpdesk.settings import Settings
from helpdesk.texts import text as citizen_text
from helpdesk.web.client_address import client_address, parse_trusted_proxies

router = APIRouter()
api = APIRouter(prefix="/api/webchat", tags=["web chat"])

SESSION_PATTERN = r"^[A-Za-z0-9_-]{20,64}$"
_bearer = HTTPBearer(
    scheme_name="WebChatSession",
    description="The session id from `POST /api/webchat/sessions`, sent as "
    "`Authorization: Bearer <session_id>`. It is the chat's key: never put it in a URL.",
    auto_error=False,
)
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests; `detail` says so in German, see `Retry-After`"}
}


class SessionOut(BaseModel):
    """A new web chat session. Keep ``session_id`` secret: it is the chat's key."""

    session_id: str


class MessageIn(BaseModel):
    """A citizen's message. Re-posting the same ``client_message_id`` is safe."""

    text: str = Field(description="What the citizen wrote.")
    client_message_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Client-chosen id; a message posted twice with it is stored once.",
    )


class MessageAccepted(BaseModel):
    """The message is stored and will be answered."""

    message_id: str
    duplicate: bool


class ButtonOut(BaseModel):
    title: str
    payload: str


class ReplyOut(BaseModel):
    id: int
    text: str
    buttons: list[ButtonOut]
    in_reply_to: str | None = Field(
        default=None, description="client_message_id of the answered message, if any"
    )
    erased: bool = Field(
        default=False,
        description="True on the last message after the citizen's data was erased: "
        "the session is gone; clear the transcript on this device.",
    )


class RepliesOut(BaseModel):
    """Replies after the cursor; pass ``cursor`` as ``after`` next time."""

    replies: list[ReplyOut]
    cursor: int


def session_from_header(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str:
    """The session id from ``Authorization: Bearer``; 401 when missing or malformed."""
    if credentials is None or not re.fullmatch(SESSION_PATTERN, credentials.credentials):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            citizen_text("web_session_unknown"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


SessionHeader = Annotated[str, Depends(session_from_header)]
After = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]
Wait = Annotated[float, Query(ge=0, le=25)]


def client_of(request: Request, settings: Settings) -> str:
    """The citizen's address (``X-Forwarded-For`` believed only from our proxies)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        parse_trusted_proxies(settings.trusted_proxies),
    )


def too_many(text_key: str, retry_after: float) -> HTTPException:
    """A 429 with a polite German ``detail`` and ``Retry-After`` in whole seconds."""
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        citizen_text(text_key),
        headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
    )


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The accessible chat page (no CDN; everything served from here)."""
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "chat.html",
        {
            "api_base": "/api/webchat",
            "max_length": settings.max_message_chars,
            "privacy_notice": web_notice(settings),
            "kiosk": kiosk_for(settings, request.query_params),
        },
    )


@api.post(
    "/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionOut, responses=LIMITED
)
def create_session(
    request: Request, db: DbDep, settings: SettingsDep, keys: KeysDep, limits: LimitsDep
) -> SessionOut:
    """Start a new chat session (the chat page shows the privacy notice above the chat)."""
    session_id = secrets.token_urlsafe(24)
    with db.session() as session:
        verdict = limits.web_session_taken(session, client_of(request, settings))
        if verdict.allowed:
            service.get_or_create_conversation(
                session, channel=Channel.WEB, address=session_id, keys=keys
            )
    if not verdict.allowed:
        raise too_many("limit_web_sessions", verdict.retry_after)
    return SessionOut(session_id=session_id)


@api.post(
    "/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageAccepted,
    responses={
        401: {"description": "No or a malformed session id"},
        404: {"description": "Unknown session"},
        422: {"description": "Invalid text"},
        **LIMITED,
    },
)
async def post_message(
    session_id: SessionHeader,
    body: MessageIn,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    notifier: NotifierDep,
    keys: KeysDep,
    limits: LimitsDep,
) -> MessageAccepted:
    """Store a message for the session's conversation; the reply comes via ``/replies``."""
    try:
        cleaned = clean_text(body.text, max_chars=settings.max_message_chars)
    except InvalidMessage as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            citizen_text(exc.reason, max_chars=settings.max_message_chars),
        ) from exc
    client_id = body.client_message_id or secrets.token_hex(16)
    address = client_of(request, settings)

    def store() -> service.Received | float | None:
        with db.session() as session:
            conversation = service.find_conversation(
                session, channel=Channel.WEB, address=session_id, keys=keys
            )
            if conversation is None:
                return None
            # A re-sent message (same id) is answered as a duplicate, not counted again.
            if not service.is_received(session, conversation.id, client_id):
                verdict = limits.web_message_taken(session, session_id, address)
                if not verdict.allowed:
                    return verdict.retry_after
            return service.receive_message(
                session, conversation, channel_message_id=client_id, text=cleaned, keys=keys
            )

    received = await run_in_threadpool(store)
    if received is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, citizen_text("web_session_unknown"))
    if isinstance(received, float):
        raise too_many("limit_web_messages", received)
    if not received.duplicate:
        notifier.inbound_stored()
    return MessageAccepted(message_id=client_id, duplicate=received.duplicate)


@api.get(
    "/replies",
    response_model=RepliesOut,
    responses={
        401: {"description": "No or a malformed session id"},
        404: {"description": "Unknown session"},
        **LIMITED,
    },
)
async def get_replies(
    session_id: SessionHeader,
    request: Request,
    db: DbDep,
    notifier: NotifierDep,
    settings: SettingsDep,
    keys: KeysDep,
    limits: LimitsDep,
    after: After = 0,
    wait: Wait = 0,
) -> RepliesOut:
    """Replies with an id above ``after``; waits up to ``wait`` seconds for the first."""

    def load() -> tuple[int, list[ReplyOut]] | None:
        with db.read_session() as session:
            conversation = service.find_conversation(
                session, channel=Channel.WEB, address=session_id, keys=keys
            )
            if conversation is None:
                return None
            rows = service.list_sent_replies(session, conversation.id, after=after)
            return conversation.id, [
                ReplyOut(
                    id=row.id,
                    text=row.text,
                    buttons=[ButtonOut(**button) for button in row.buttons],
                    in_reply_to=answered,
                    erased=row.kind == OutboundKind.FAREWELL,
                )
                for row, answered in rows
            ]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    watched: tuple[int, asyncio.Event] | None = None
    poll_id: int | None = None
    try:
        while True:
            if watched:
                watched[1].clear()
            loaded = await run_in_threadpool(load)
            if loaded is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, citizen_text("web_session_unknown"))
            conversation_id, replies = loaded
            remaining = deadline - loop.time()
            if replies or remaining <= 0:
                cursor = replies[-1].id if replies else after
                return RepliesOut(replies=replies, cursor=cursor)
            if watched is None:
                # Only a poll that really waits counts as open.
                address = client_of(request, settings)
                poll_id = await run_in_threadpool(
                    limits.open_poll, db, session_id, address, remaining
                )
                if poll_id is None:
                    raise too_many("limit_web_polls", POLL_RETRY_SECONDS)
                # Watch first, then look again: a delivery in between is not missed.
                watched = (conversation_id, notifier.watch(conversation_id))
                continue
            await wait_for(watched[1], min(remaining, settings.poll_interval_seconds * 4))
    finally:
        if watched:
            notifier.unwatch(*watched)
        if poll_id is not None:
            await run_in_threadpool(limits.close_poll, db, poll_id)
