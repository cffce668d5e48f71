"""Use cases of the conversation hub. Each function runs inside the caller's unit of work.

The inbox guarantees: a message is stored once per (conversation, channel message id);
one conversation has at most one message in processing, and messages are processed in
arrival order; replies are written in the same transaction that marks the message done,
and only by the worker that still holds the claim. The outbox is claimed the same way.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from helpdesk.conversations.models import (
    Contact,
    Conversation,
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.db import utcnow
from helpdesk.privacy.phones import redact_phone_numbers, seal_numbers

if TYPE_CHECKING:
    from helpdesk.privacy.crypto import Keyring


@dataclass(frozen=True)
class Button:
    """A choice offered to the citizen."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One channel-neutral reply message."""

    text: str
    buttons: tuple[Button, ...] = ()


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


@dataclass(frozen=True)
class OutboundClaim:
    """A claimed outbox row, handed to the delivery worker that holds ``token``."""

    outbound_id: int
    conversation_id: int
    channel: str
    address: str = field(repr=False)
    text: str = field(repr=False)
    buttons: tuple[Button, ...]
    attempts: int
    token: str = field(repr=False)


def new_token() -> str:
    """A random claim token."""
    return secrets.token_hex(16)


def backoff_seconds(attempts: int, maximum: float) -> float:
    """Exponential backoff with full jitter: 0.5 s, 1 s, 2 s, ... up to ``maximum``."""
    ceiling = min(maximum, 0.5 * (2 ** max(attempts - 1, 0)))
    return random.uniform(ceiling / 2, ceiling)


def _by_address(channel: str, address: str, keys: Keyring) -> Select[Conversation]:
    return (
        select(Conversation)
        .join(Contact, Conversation.contact_id == Contact.id)
        .where(Contact.channel == channel, Contact.address_index == keys.index(channel, address))
    )


def get_or_create_conversation(
    session: Session,
    *,
    channel: str,
    address: str,
    keys: Keyring,
    notice: str | None = None,
    now: datetime | None = None,
) -> Conversation:
    """The conversation of the contact ``(channel, address)``, created on first contact.

    The address is stored encrypted, found by its blind index. On first contact the
    privacy ``notice`` (if given) is queued, so it goes out before the first answer.
    """
    conversation = session.scalar(_by_address(channel, address, keys))
    if conversation is not None:
        return conversation
    now = now or utcnow()
    try:
        with session.begin_nested():
            contact = Contact(
                channel=channel,
                address_enc=keys.encrypt(address),
                address_index=keys.index(channel, address),
                created_at=now,
            )
            session.add(contact)
            session.flush()
            conversation = Conversation(
                contact_id=contact.id,
                channel=channel,
                pseudonym=keys.pseudonym(channel, address),
                pseudonym_key_id=keys.pseudonym_key_id,
                created_at=now,
                last_activity_at=now,
            )
            session.add(conversation)
            session.flush()
            if notice is not None:
                add_system_reply(session, conversation, notice, inbound_id=None, now=now)
                conversation.notice_sent_at = now
    except IntegrityError:
        # Another request created it concurrently (PostgreSQL); take theirs.
        conversation = session.scalars(_by_address(channel, address, keys)).one()
    return conversation


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


def _add_outbound(
    session: Session,
    conversation_id: int,
    channel: str,
    reply: Reply,
    *,
    kind: OutboundKind,
    inbound_id: int | None,
    now: datetime,
) -> None:
    session.add(
        OutboundMessage(
            conversation_id=conversation_id,
            inbound_message_id=inbound_id,
            channel=channel,
            kind=kind,
            text=reply.text,
            buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
            status=OutboundStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
    )


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
        _add_outbound(
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
    _add_outbound(
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
    _add_outbound(
        session,
        claim.conversation_id,
        claim.channel,
        apology,
        kind=OutboundKind.SYSTEM,
        inbound_id=claim.inbound_id,
        now=now,
    )
    return True


def release_unfinished(session: Session) -> tuple[int, int]:
    """Single-process start-up: everything this process left in flight becomes due again."""
    inbound = session.execute(
        update(InboundMessage)
        .where(InboundMessage.status == InboundStatus.PROCESSING)
        .values(status=InboundStatus.PENDING, claim_token=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    outbound = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == OutboundStatus.SENDING)
        .values(status=OutboundStatus.PENDING, claim_token=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return inbound.rowcount, outbound.rowcount  # type: ignore[attr-defined]


def _claimable_outbound(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return or_(
        and_(
            OutboundMessage.status == OutboundStatus.PENDING,
            OutboundMessage.next_attempt_at <= now,
        ),
        and_(
            OutboundMessage.status == OutboundStatus.SENDING,
            OutboundMessage.claimed_at < now - lease,
        ),
    )


def claim_next_outbound(
    session: Session,
    *,
    channels: tuple[str, ...],
    keys: Keyring,
    now: datetime | None = None,
    lease_seconds: float = 60.0,
) -> OutboundClaim | None:
    """Claim the oldest due outbox row whose conversation has nothing earlier unsent."""
    now = now or utcnow()
    lease = timedelta(seconds=lease_seconds)
    earlier = aliased(OutboundMessage)
    unsent = (OutboundStatus.PENDING, OutboundStatus.SENDING)
    candidates = session.scalars(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.channel.in_(channels),
            OutboundMessage.status.in_(unsent),
            _claimable_outbound(now, lease),
            ~exists().where(
                earlier.conversation_id == OutboundMessage.conversation_id,
                earlier.status.in_(unsent),
                earlier.id < OutboundMessage.id,
            ),
        )
        .order_by(OutboundMessage.id)
        .limit(8)
    ).all()
    for outbound_id in candidates:
        token = new_token()
        result = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, _claimable_outbound(now, lease))
            .values(
                status=OutboundStatus.SENDING,
                claim_token=token,
                claimed_at=now,
                attempts=OutboundMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        row = session.execute(
            select(OutboundMessage, Contact.address_enc)
            .join(Conversation, Conversation.id == OutboundMessage.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(OutboundMessage.id == outbound_id)
        ).one()
        out: OutboundMessage = row[0]
        return OutboundClaim(
            outbound_id=out.id,
            conversation_id=out.conversation_id,
            channel=out.channel,
            address=keys.decrypt(row[1]),
            text=out.text,
            buttons=tuple(Button(b["title"], b["payload"]) for b in out.buttons),
            attempts=out.attempts,
            token=token,
        )
    return None


def finish_outbound(
    session: Session,
    claim: OutboundClaim,
    *,
    sent: bool,
    error: str | None = None,
    retry_in_seconds: float | None = None,
    now: datetime | None = None,
) -> bool:
    """Record a delivery attempt: sent, to be retried later, or failed for good."""
    now = now or utcnow()
    out = session.get(OutboundMessage, claim.outbound_id, with_for_update=True)
    if out is None or out.claim_token != claim.token:
        return False
    out.claim_token = None
    out.last_error = error[:255] if error else None
    if sent:
        out.status = OutboundStatus.SENT
        out.sent_at = now
    elif retry_in_seconds is not None:
        out.status = OutboundStatus.PENDING
        out.next_attempt_at = now + timedelta(seconds=retry_in_seconds)
    else:
        out.status = OutboundStatus.FAILED
    return True


def find_conversation(
    session: Session, *, channel: str, address: str, keys: Keyring
) -> Conversation | None:
    """The conversation of a contact, or None."""
    return session.scalar(_by_address(channel, address, keys))


def is_received(session: Session, conversation_id: int, channel_message_id: str) -> bool:
    """Whether the conversation already has the message with this channel message id."""
    found = session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.conversation_id == conversation_id,
            InboundMessage.channel_message_id == channel_message_id,
        )
    )
    return found is not None


def list_sent_replies(
    session: Session, conversation_id: int, *, after: int, limit: int = 50
) -> list[tuple[OutboundMessage, str | None]]:
    """Delivered replies above ``after``, oldest first, each with the channel message id
    of the message it answers (None for holding and system messages)."""
    rows = session.execute(
        select(OutboundMessage, InboundMessage.channel_message_id)
        .outerjoin(InboundMessage, InboundMessage.id == OutboundMessage.inbound_message_id)
        .where(
            OutboundMessage.conversation_id == conversation_id,
            OutboundMessage.status == OutboundStatus.SENT,
            OutboundMessage.id > after,
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    ).all()
    return [(row[0], row[1]) for row in rows]


def add_system_reply(
    session: Session,
    conversation: Conversation,
    text: str,
    *,
    inbound_id: int | None,
    now: datetime,
    kind: OutboundKind = OutboundKind.SYSTEM,
) -> int:
    """Queue a reply the app gives itself (a keyword answer, a notice, a staff reply);
    returns its id."""
    out = OutboundMessage(
        conversation_id=conversation.id,
        inbound_message_id=inbound_id,
        channel=conversation.channel,
        kind=kind,
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
