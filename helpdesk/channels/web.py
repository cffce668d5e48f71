"""Web chat channel: the chat page and its JSON API (post a message, poll for replies)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from helpdesk.conversations import service
from helpdesk.conversations.models import Channel, OutboundKind
from helpdesk.conversations.notify import wait_for
from helpdesk.conversations.text import InvalidMessage, clean_text
from helpdesk.db import MAX_ROW_ID
from helpdesk.deps import DbDep, KeysDep, NotifierDep, SettingsDep
from helpdesk.privacy.notice import web_notice
from helpdesk.texts import text as citizen_text

router = APIRouter()
api = APIRouter(prefix="/api/webchat", tags=["web chat"])

SessionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{20,64}$")]


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
        },
    )


@api.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionOut)
def create_session(db: DbDep, settings: SettingsDep, keys: KeysDep) -> SessionOut:
    """Start a new chat session (the chat page shows the privacy notice above the chat)."""
    session_id = secrets.token_urlsafe(24)
    with db.session() as session:
        service.get_or_create_conversation(
            session,
            channel=Channel.WEB,
            address=session_id,
            keys=keys,
        )
    return SessionOut(session_id=session_id)


@api.post(
    "/sessions/{session_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageAccepted,
    responses={404: {"description": "Unknown session"}, 422: {"description": "Invalid text"}},
)
async def post_message(
    session_id: SessionId,
    body: MessageIn,
    db: DbDep,
    settings: SettingsDep,
    notifier: NotifierDep,
    keys: KeysDep,
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

    def store() -> service.Received | None:
        with db.session() as session:
            conversation = service.find_conversation(
                session, channel=Channel.WEB, address=session_id, keys=keys
            )
            if conversation is None:
                return None
            return service.receive_message(
                session, conversation, channel_message_id=client_id, text=cleaned, keys=keys
            )

    received = await run_in_threadpool(store)
    if received is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, citizen_text("web_session_unknown"))
    if not received.duplicate:
        notifier.inbound_stored()
    return MessageAccepted(message_id=client_id, duplicate=received.duplicate)


@api.get(
    "/sessions/{session_id}/replies",
    response_model=RepliesOut,
    responses={404: {"description": "Unknown session"}},
)
async def get_replies(
    session_id: SessionId,
    db: DbDep,
    notifier: NotifierDep,
    settings: SettingsDep,
    keys: KeysDep,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    wait: Annotated[float, Query(ge=0, le=25)] = 0,
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
                # Watch first, then look again: a delivery in between is not missed.
                watched = (conversation_id, notifier.watch(conversation_id))
                continue
            await wait_for(watched[1], min(remaining, settings.poll_interval_seconds * 4))
    finally:
        if watched:
            notifier.unwatch(*watched)
