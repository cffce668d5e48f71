"""Replies the app gives itself (keywords, notices), through the outbox like any other.

The hub's service has no use case for "answered without Rasa" yet; these helpers write
the same rows it would, in the caller's unit of work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.conversations.models import (
    Conversation,
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)


def add_system_reply(
    session: Session,
    conversation: Conversation,
    text: str,
    *,
    inbound_id: int | None,
    now: datetime,
) -> int:
    """Queue a system reply for delivery; returns its outbox id."""
    out = OutboundMessage(
        conversation_id=conversation.id,
        inbound_message_id=inbound_id,
        channel=conversation.channel,
        kind=OutboundKind.SYSTEM,
        text=text,
        buttons=[],
        status=OutboundStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(out)
    session.flush()
    return out.id


def answer_locally(
    session: Session,
    conversation: Conversation,
    inbound_id: int,
    reply_text: str | None,
    now: datetime,
) -> int | None:
    """Mark a stored inbound message done without Rasa, with an optional system reply."""
    message = session.get(InboundMessage, inbound_id)
    if message is None:
        raise LookupError(f"inbound message {inbound_id} vanished")
    message.status = InboundStatus.DONE
    message.processed_at = now
    if reply_text is None:
        return None
    return add_system_reply(session, conversation, reply_text, inbound_id=inbound_id, now=now)
