"""The inbox: citizens' messages stored once, claimed in order, answered or given up on.

A message is stored once per (conversation, channel message id); one conversation has
at most one message in processing, and messages are processed in arrival order; replies
are written in the same transaction that marks the message done, and only by the worker
that still holds the claim. Each function runs inside the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from helpdesk.conversations.claims import backoff_seconds, new_token
from helpdesk.conversations.models import (
    Conversation,
    InboundMessage,
    InboundStatus,
    OutboundKind,
)
from helpdesk.conversations.outbox import Reply, add_outbound, add_system_reply
from helpdesk.db import utcnow
from helpdesk.privacy.phones import redact_phone_numbers, seal_numbers

if TYPE_CHECKING:
    from helpdesk.privacy.crypto import Keyring


@dataclass(frozen=True)
class Received:
    """Result of storing an inbound message."""

    inbound_id: int
    conversation_id: int
    duplicate: bool


@dataclass(frozen=True)
class InboundClaim:
    """A claimed inbound message, handed to the worker that holds ``token``."""

    inbound_id: int
    conversation_id: int
    channel: str
    pseudonym: str
    text: str = field(repr=False)
    attempts: int
    received_at: datetime
    token: str = field(repr=False)


def receive_message(
    session: Session,
    conversation: Conversation,
    *,
    channel_message_id: str,
    text: str,
    keys: Keyring,
    now: datetime | None = None,
) -> Received:
    """Store an inbound message once; a repeated channel message id is a duplicate.

    Phone numbers in ``text`` are stored only encrypted, beside the text, which keeps a
    placeholder in their place (``helpdesk.privacy.phones``); Rasa sees the placeholder.
    """
    now = now or utcnow()
    existing = session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.conversation_id == conversation.id,
            InboundMessage.channel_message_id == channel_message_id,
        )
    )
    if existing is not None:
        return Received(existing, conversation.id, duplicate=True)
    try:
        with session.begin_nested():
            redacted, numbers = redact_phone_numbers(text)
            message = InboundMessage(
                conversation_id=conversation.id,
                channel_message_id=channel_message_id,
                text=redacted,
                numbers_enc=seal_numbers(numbers, keys),
                status=InboundStatus.PENDING,
                next_attempt_at=now,
                received_at=now,
            )
            session.add(message)
            session.flush()
    except IntegrityError:
        existing_id = session.scalars(
            select(InboundMessage.id).where(
                InboundMessage.conversation_id == conversation.id,
                InboundMessage.channel_message_id == channel_message_id,
            )
        ).one()
        return Received(existing_id, conversation.id, duplicate=True)
    conversation.last_activity_at = now
    return Received(message.id, conversation.id, duplicate=False)


def is_received(session: Session, conversation_id: int, channel_message_id: str) -> bool:
    """Whether the conversation already has the message with this channel message id."""
    found = session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.conversation_id == conversation_id,
            InboundMessage.channel_message_id == channel_message_id,
        )
    )
    return found is not None


def _claimable_inbound(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Conditions under which an inbound row may be (re)claimed."""
    return or_(
        and_(
            InboundMessage.status == InboundStatus.PENDING,
            InboundMessage.next_attempt_at <= now,
        ),
        and_(
            InboundMessage.status == InboundStatus.PROCESSING,
            InboundMessage.claimed_at < now - lease,
        ),
    )


def claim_next_inbound(
    session: Session, *, now: datetime | None = None, lease_seconds: float = 60.0
) -> InboundClaim | None:
    """Claim the oldest due message whose conversation has nothing earlier unfinished."""
    now = now or utcnow()
    lease = timedelta(seconds=lease_seconds)
    earlier = aliased(InboundMessage)
    unfinished = (InboundStatus.PENDING, InboundStatus.PROCESSING)
    candidates = session.scalars(
        select(InboundMessage.id)
        .where(
            InboundMessage.status.in_(unfinished),
            _claimable_inbound(now, lease),
            ~exists().where(
                earlier.conversation_id == InboundMessage.conversation_id,
                earlier.status.in_(unfinished),
                earlier.id < InboundMessage.id,
            ),
        )
        .order_by(InboundMessage.id)
        .limit(8)
    ).all()
    for inbound_id in candidates:
        token = new_token()
        result = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == inbound_id, _claimable_inbound(now, lease))
            .values(
                status=InboundStatus.PROCESSING,
                claim_token=token,
                claimed_at=now,
                attempts=InboundMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        row = session.execute(
            select(InboundMessage, Conversation.pseudonym, Conversation.channel)
            .join(Conversation, Conversation.id == InboundMessage.conversation_id)
            .where(InboundMessage.id == inbound_id)
        ).one()
        message: InboundMessage = row[0]
        return InboundClaim(
            inbound_id=message.id,
            conversation_id=message.conversation_id,
            channel=row[2],
            pseudonym=row[1],
            text=message.text,
            attempts=message.attempts,
            received_at=message.received_at,
            token=token,
        )
    return None


def holds_claim(session: Session, claim: InboundClaim) -> InboundMessage | None:
    """The claimed message, locked, if ``claim`` still holds it; else None."""
    message = session.get(InboundMessage, claim.inbound_id, with_for_update=True)
    if message is None or message.claim_token != claim.token:
        return None
    if message.status != InboundStatus.PROCESSING:
        return None
    return message


def complete_inbound(
    session: Session,
    claim: InboundClaim,
    replies: list[Reply],
    *,
    empty_reply: Reply,
    now: datetime | None = None,
) -> bool:
    """Write the replies to the outbox and mark the message done, atomically.

    Returns False, writing nothing, when the claim was lost (the lease ran out and
    another worker took the message): that worker will answer it, so this one must not.
    """
    now = now or utcnow()
    message = holds_claim(session, claim)
    if message is None:
        return False
    for reply in replies or [empty_reply]:
        add_outbound(
            session,
            claim.conversation_id,
            claim.channel,
            reply,
            kind=OutboundKind.REPLY,
            inbound_id=claim.inbound_id,
            now=now,
        )
    message.status = InboundStatus.DONE
    message.processed_at = now
    message.claim_token = None
    message.last_error = None
    conversation = session.get(Conversation, claim.conversation_id)
    if conversation is not None:
        conversation.holding_notice_at = None
    return True


def finish_inbound_silently(
    session: Session, claim: InboundClaim, *, now: datetime | None = None
) -> bool:
    """Mark a claimed message done without any reply (a person answers it instead).

    Returns False when the claim was lost; the worker now holding it decides.
    """
    now = now or utcnow()
    message = holds_claim(session, claim)
    if message is None:
        return False
    message.status = InboundStatus.DONE
    message.processed_at = now
    message.claim_token = None
    message.last_error = None
    return True


def defer_inbound(
    session: Session,
    claim: InboundClaim,
    *,
    error: str,
    holding_reply: Reply,
    retry_max_seconds: float,
    now: datetime | None = None,
) -> bool:
    """Put the message back to wait after a transient failure of Rasa.

    The citizen gets one holding reply per outage, not one per retry or per message.
    Returns True when that holding reply was written now.
    """
    now = now or utcnow()
    message = holds_claim(session, claim)
    if message is None:
        return False
    message.status = InboundStatus.PENDING
    message.claim_token = None
    message.last_error = error[:255]
    message.next_attempt_at = now + timedelta(
        seconds=backoff_seconds(message.attempts, retry_max_seconds)
    )
    conversation = session.get(Conversation, claim.conversation_id)
    if conversation is None or conversation.holding_notice_at is not None:
        return False
    conversation.holding_notice_at = now
    add_outbound(
        session,
        claim.conversation_id,
        claim.channel,
        holding_reply,
        kind=OutboundKind.HOLDING,
        inbound_id=None,
        now=now,
    )
    return True


def fail_inbound(
    session: Session,
    claim: InboundClaim,
    *,
    error: str,
    apology: Reply,
    now: datetime | None = None,
) -> bool:
    """Give up on a message that keeps failing, and tell the citizen so."""
    now = now or utcnow()
    message = holds_claim(session, claim)
    if message is None:
        return False
    message.status = InboundStatus.FAILED
    message.claim_token = None
    message.processed_at = now
    message.last_error = error[:255]
    add_outbound(
        session,
        claim.conversation_id,
        claim.channel,
        apology,
        kind=OutboundKind.SYSTEM,
        inbound_id=claim.inbound_id,
        now=now,
    )
    return True


def answer_locally(
    session: Session,
    conversation: Conversation,
    inbound_id: int,
    reply_text: str | None,
    now: datetime,
) -> int | None:
    """Mark a stored inbound message done without Rasa, with an optional system reply.

    The reply is queued at once: callers use this only when no earlier message of the
    conversation waits for its answer (``helpdesk.channels.sms_state.receive_sms``
    otherwise leaves the message to the inbox worker, which answers in order).
    """
    message = session.get(InboundMessage, inbound_id)
    if message is None:
        raise LookupError(f"inbound message {inbound_id} vanished")
    message.status = InboundStatus.DONE
    message.processed_at = now
    if reply_text is None:
        return None
    return add_system_reply(session, conversation, reply_text, inbound_id=inbound_id, now=now)
