"""Storing Telegram updates through the hub (framework-free: no telegram imports)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from helpdesk.channels.limits import Verdict
from helpdesk.conversations import service
from helpdesk.conversations.models import Channel
from helpdesk.conversations.service import answer_locally
from helpdesk.conversations.text import InvalidMessage, clean_text
from helpdesk.db import Database, utcnow
from helpdesk.privacy.crypto import Keyring
from helpdesk.texts import text as citizen_text


@dataclass(frozen=True)
class Incoming:
    """One Telegram update as the hub sees it."""

    chat_id: str
    channel_message_id: str
    text: str
    callback_query_id: str | None = None
    start: bool = False
    not_text: bool = False


@dataclass(frozen=True)
class Stored:
    """What a batch produced: work for the assistant, replies from the app itself."""

    to_assistant: int
    local_replies: int
    duplicates: int
    limited: int = 0


def store_incoming(
    db: Database,
    items: list[Incoming],
    *,
    keys: Keyring,
    notice: str,
    max_chars: int,
    limit: Callable[[Session, str], Verdict] | None = None,
) -> Stored:
    """Store a batch of updates in one unit of work, each once (by ``update_id``).

    The first update of a chat (``/start`` or any first message) queues the short
    privacy ``notice``; ``/start`` sends ``/greet`` to Rasa, so the greeting itself stays
    in Rasa's domain. Photos, stickers and the like get a hint
    that only text is understood; an empty or too long text gets the web chat's texts.
    ``limit(session, chat_id)``, if given, counts each new update against the chat's
    rate: over it, the update is stored but answered by nobody, or by one
    ``limit_messages`` notice per window.
    """
    to_assistant = local = duplicates = limited = 0
    now = utcnow()
    with db.session() as session:
        for item in items:
            conversation = service.get_or_create_conversation(
                session,
                channel=Channel.TELEGRAM,
                address=item.chat_id,
                keys=keys,
                notice=notice,
                now=now,
            )
            problem: str | None = "telegram_text_only" if item.not_text else None
            body = item.text
            if problem is None:
                try:
                    body = clean_text(item.text, max_chars=max_chars)
                except InvalidMessage as exc:
                    problem = exc.reason
            received = service.receive_message(
                session,
                conversation,
                channel_message_id=item.channel_message_id,
                text=body or "-",
                keys=keys,
                now=now,
            )
            if received.duplicate:
                duplicates += 1
                continue
            verdict = limit(session, item.chat_id) if limit is not None else None
            if verdict is not None and not verdict.allowed:
                reply = citizen_text("limit_messages") if verdict.notify else None
                answer_locally(session, conversation, received.inbound_id, reply, now)
                local += reply is not None
                limited += 1
                continue
            if problem is not None:
                reply = citizen_text(problem, max_chars=max_chars)
                answer_locally(session, conversation, received.inbound_id, reply, now)
                local += 1
                continue
            to_assistant += 1
    return Stored(to_assistant, local, duplicates, limited)
