"""The outbox: replies queued for delivery, claimed by the delivery workers, read back.

One conversation's replies go out in the order they were queued: a row is claimed only
when nothing earlier of its conversation is unsent. Each function runs inside the
caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from helpdesk.conversations.claims import new_token
from helpdesk.conversations.models import (
    Contact,
    Conversation,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.db import utcnow

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


def add_outbound(
    session: Session,
    conversation_id: int,
    channel: str,
    reply: Reply,
    *,
    kind: OutboundKind,
    inbound_id: int | None,
    now: datetime,
) -> None:
    """Queue ``reply``, buttons included: an answer, a holding reply or an apology."""
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
