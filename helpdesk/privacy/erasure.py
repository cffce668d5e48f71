"""Erasure of a citizen's personal data (Art. 17 DSGVO), on request or by an admin.

``erase_conversation`` deletes, in the caller's transaction, every message text of the
conversation, the SMS state, whatever other features registered (``register_eraser``),
and Rasa's tracker events of its pseudonym. If the citizen is to be told, the farewell
is queued as the last outbox row; the contact (the only place the address is kept,
encrypted) and the conversation row are deleted by ``finish_erasures`` once the farewell
is out, and at the latest ``grace`` after the erasure (the app's privacy job runs it
every few seconds). A message the citizen sends after confirming is kept and answered:
then the contact stays and the conversation simply goes on.

The audit entry holds the time, the actor, the channel and counts; nothing personal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from helpdesk.channels.sms_state import SmsMessage, SmsState
from helpdesk.conversations.models import (
    Contact,
    Conversation,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.conversations.service import add_system_reply
from helpdesk.db import utcnow
from helpdesk.privacy.models import PrivacyAudit
from helpdesk.privacy.tracker import RasaTracker

log = logging.getLogger(__name__)

Eraser = Callable[[Session, int], int]
"""Deletes a feature's personal data of one conversation in the caller's transaction;
returns how many rows it erased (or blanked)."""

_ERASERS: dict[str, Eraser] = {}

WEB_PICKUP = timedelta(seconds=10)
_UNSENT = (OutboundStatus.PENDING, OutboundStatus.SENDING)
GRACE = timedelta(seconds=50)


def register_eraser(name: str, eraser: Eraser) -> None:
    """Add (or replace) the eraser ``name``; it runs before the hub's own tables."""
    _ERASERS[name] = eraser


def registered_erasers() -> dict[str, Eraser]:
    """The erasers every erasure runs, by name (built-ins first)."""
    return dict(_ERASERS)


def _erase_sms(session: Session, conversation_id: int) -> int:
    messages = session.execute(
        delete(SmsMessage).where(SmsMessage.conversation_id == conversation_id)
    )
    state = session.execute(delete(SmsState).where(SmsState.conversation_id == conversation_id))
    return int(messages.rowcount) + int(state.rowcount)  # type: ignore[attr-defined]


register_eraser("sms", _erase_sms)


@dataclass
class Erasure:
    """What one erasure removed, in counts."""

    conversation_id: int
    channel: str
    counts: dict[str, int] = field(default_factory=dict)
    finished: bool = False


def audit(
    session: Session,
    action: str,
    *,
    actor: str,
    channel: str | None,
    counts: dict[str, int],
    now: datetime | None = None,
) -> None:
    """Write an audit entry (counts only)."""
    session.add(
        PrivacyAudit(
            at=now or utcnow(), action=action, actor=actor[:64], channel=channel, counts=counts
        )
    )


def _erase_rows(
    session: Session,
    conversation_id: int,
    counts: dict[str, int],
    *,
    up_to_inbound: int | None,
    blank_outbound: bool = False,
) -> None:
    for name, eraser in _ERASERS.items():
        counts[name] = counts.get(name, 0) + eraser(session, conversation_id)
    mine = OutboundMessage.conversation_id == conversation_id
    if blank_outbound:
        # Emptied, not deleted, until the farewell is out: SQLite reuses the ids of
        # deleted rows, and the web chat's cursor would then skip the farewell.
        outbound = session.execute(
            update(OutboundMessage)
            .where(mine)
            .values(text="", buttons=[], inbound_message_id=None, claim_token=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(OutboundMessage)
            .where(mine, OutboundMessage.status.in_(_UNSENT))
            .values(status=OutboundStatus.FAILED, last_error="erased")
            .execution_options(synchronize_session=False)
        )
    else:
        outbound = session.execute(delete(OutboundMessage).where(mine))
    inbound_filter = InboundMessage.conversation_id == conversation_id
    if up_to_inbound is not None:
        inbound_filter = inbound_filter & (InboundMessage.id <= up_to_inbound)
    inbound = session.execute(delete(InboundMessage).where(inbound_filter))
    counts["outbound_message"] = counts.get("outbound_message", 0) + int(outbound.rowcount)  # type: ignore[attr-defined]
    counts["inbound_message"] = counts.get("inbound_message", 0) + int(inbound.rowcount)  # type: ignore[attr-defined]


def erase_conversation(
    session: Session,
    conversation_id: int,
    *,
    actor: str,
    tracker: RasaTracker | None = None,
    farewell: str | None = None,
    up_to_inbound: int | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Erase every personal datum of one conversation's citizen.

    Args:
        session: the caller's unit of work (committed by the caller).
        conversation_id: whose data.
        actor: ``citizen``, ``retention`` or ``admin:<staff id>`` (audit only).
        tracker: Rasa's tracker store; its events of the pseudonym are deleted now.
        farewell: a text sent as the very last message to the address, or None.
        up_to_inbound: keep inbound messages after this id (sent after confirming).
        now: the clock.

    Raises:
        LookupError: no such conversation.
    """
    now = now or utcnow()
    conversation = session.get(Conversation, conversation_id, with_for_update=True)
    if conversation is None:
        raise LookupError(f"conversation {conversation_id} does not exist")
    result = Erasure(conversation_id, conversation.channel)
    if tracker is not None:
        result.counts["rasa_events"] = tracker.erase_sender(conversation.pseudonym)
    _erase_rows(
        session,
        conversation_id,
        result.counts,
        up_to_inbound=up_to_inbound,
        blank_outbound=farewell is not None,
    )
    conversation.erased_at = now
    conversation.erase_asked_at = None
    conversation.holding_notice_at = None
    if farewell is not None:
        add_system_reply(
            session, conversation, farewell, inbound_id=None, now=now, kind=OutboundKind.FAREWELL
        )
    else:
        result.finished = _finish_one(session, conversation, result.counts, now=now, force=True)
    audit(
        session, "erasure", actor=actor, channel=conversation.channel, counts=result.counts, now=now
    )
    log.info(
        "privacy: conversation %s erased by %s: %s",
        conversation_id,
        actor.split(":")[0],
        result.counts,
    )
    return result


def _finish_one(
    session: Session,
    conversation: Conversation,
    counts: dict[str, int],
    *,
    now: datetime,
    force: bool = False,
) -> bool:
    """Delete the contact and conversation of an erased conversation when it is time."""
    conversation_id = conversation.id
    written_again = session.scalar(
        select(exists().where(InboundMessage.conversation_id == conversation_id))
    )
    if written_again:
        # The citizen wrote after confirming: that message is answered; the
        # conversation goes on (its earlier data is already gone).
        conversation.erased_at = None
        return False
    if not force:
        assert conversation.erased_at is not None
        unsent = session.scalar(
            select(
                exists().where(
                    OutboundMessage.conversation_id == conversation_id,
                    OutboundMessage.status.in_(_UNSENT),
                )
            )
        )
        last_sent = session.scalar(
            select(func.max(OutboundMessage.sent_at)).where(
                OutboundMessage.conversation_id == conversation_id
            )
        )
        overdue = now - conversation.erased_at >= GRACE
        pickup = WEB_PICKUP if conversation.channel == "web" else timedelta(0)
        delivered = not unsent and (last_sent is None or now - last_sent >= pickup)
        if not (overdue or delivered):
            return False
    _erase_rows(session, conversation_id, counts, up_to_inbound=None)
    contact_id = conversation.contact_id
    session.delete(conversation)
    session.flush()
    session.execute(delete(Contact).where(Contact.id == contact_id))
    counts["contact"] = counts.get("contact", 0) + 1
    return True


def finish_erasures(session: Session, *, now: datetime | None = None, limit: int = 50) -> int:
    """Delete contacts of erased conversations whose farewell is out (or overdue)."""
    now = now or utcnow()
    ids = session.scalars(
        select(Conversation.id).where(Conversation.erased_at.is_not(None)).limit(limit)
    ).all()
    finished = 0
    for conversation_id in ids:
        conversation = session.get(Conversation, conversation_id, with_for_update=True)
        if conversation is None or conversation.erased_at is None:
            continue
        counts: dict[str, int] = {}
        if _finish_one(session, conversation, counts, now=now):
            finished += 1
    return finished


def clear_erase_request(session: Session, conversation_id: int) -> None:
    """Forget a pending "LÖSCHEN?" question."""
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(erase_asked_at=None)
        .execution_options(synchronize_session=False)
    )
