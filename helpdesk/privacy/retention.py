"""Retention: message texts and contact data older than the retention period go.

A conversation silent for longer than the period is erased whole (contact, texts, SMS
state, registered feature data, Rasa events). In a conversation that is still going, the
finished messages older than the period are deleted. Unfinished messages are never
touched (nothing is lost). Web chat sessions that never sent a message go much sooner
(``empty_web_session_hours``), and so do the abuse-limit rows that limit nothing any
more. The report holds counts only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from helpdesk.channels.limits import purge_expired
from helpdesk.channels.sms_state import SmsMessage
from helpdesk.conversations.models import (
    Channel,
    Contact,
    Conversation,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.privacy.erasure import audit, erase_conversation
from helpdesk.privacy.tracker import RasaTracker

Retainer = Callable[[Session, datetime, datetime], int]
"""A feature's own retention: (session, cutoff of the general period, now) -> rows erased.
Runs before the hub's old messages go, so it can unlink what points at them."""

_RETAINERS: dict[str, Retainer] = {}


def register_retainer(name: str, retainer: Retainer) -> None:
    """Add (or replace) a feature's retention step."""
    _RETAINERS[name] = retainer


@dataclass
class RetentionReport:
    """What a retention run erased (or would erase, in a dry run)."""

    cutoff: datetime
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, value: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


def apply_retention(
    session: Session,
    *,
    now: datetime,
    days: int,
    tracker: RasaTracker | None = None,
    dry_run: bool = False,
    empty_web_session_hours: float | None = None,
) -> RetentionReport:
    """Erase what is older than ``days`` at ``now`` (the injectable clock), and web chat
    sessions without a message older than ``empty_web_session_hours`` (if given).

    In a dry run the caller rolls the session back; the tracker store is only counted.
    """
    cutoff = now - timedelta(days=days)
    report = RetentionReport(cutoff)
    if empty_web_session_hours is not None:
        _erase_empty_web_sessions(session, now - timedelta(hours=empty_web_session_hours), report)
    report.add("rate_limit", purge_expired(session, now))
    silent = session.scalars(
        select(Conversation.id).where(
            Conversation.last_activity_at < cutoff, Conversation.erased_at.is_(None)
        )
    ).all()
    for conversation_id in silent:
        unfinished = session.scalar(
            select(InboundMessage.id)
            .where(
                InboundMessage.conversation_id == conversation_id,
                InboundMessage.status.in_((InboundStatus.PENDING, InboundStatus.PROCESSING)),
            )
            .limit(1)
        )
        if unfinished is not None:
            continue
        erasure = erase_conversation(
            session,
            conversation_id,
            actor="retention",
            tracker=None if dry_run else tracker,
            now=now,
        )
        report.add("conversation", 1)
        for name, value in erasure.counts.items():
            report.add(name, value)
    for name, retainer in _RETAINERS.items():
        report.add(name, retainer(session, cutoff, now))
    _expire_old_messages(session, cutoff, report)
    if tracker is not None:
        report.add("rasa_events", tracker.erase_before(cutoff.timestamp(), dry_run=dry_run))
    if not dry_run:
        audit(session, "retention", actor="retention", channel=None, counts=report.counts, now=now)
    return report


def _erase_empty_web_sessions(session: Session, before: datetime, report: RetentionReport) -> None:
    """Web chat sessions opened before ``before`` that never sent a message (a page
    opened and left, or a script making sessions): their contact and conversation go."""
    rows = [
        (row[0], row[1])
        for row in session.execute(
            select(Conversation.id, Conversation.contact_id).where(
                Conversation.channel == Channel.WEB,
                Conversation.last_activity_at < before,
                Conversation.erased_at.is_(None),
                ~exists().where(InboundMessage.conversation_id == Conversation.id),
                ~exists().where(OutboundMessage.conversation_id == Conversation.id),
            )
        )
    ]
    for chunk in _chunks(rows, 500):
        session.execute(
            delete(Conversation)
            .where(Conversation.id.in_([row[0] for row in chunk]))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Contact)
            .where(Contact.id.in_([row[1] for row in chunk]))
            .execution_options(synchronize_session=False)
        )
    report.add("empty_web_session", len(rows))


def _chunks(items: Sequence[tuple[int, int]], size: int) -> list[Sequence[tuple[int, int]]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _expire_old_messages(session: Session, cutoff: datetime, report: RetentionReport) -> None:
    old_outbound = select(OutboundMessage.id).where(
        OutboundMessage.created_at < cutoff,
        OutboundMessage.status.in_((OutboundStatus.SENT, OutboundStatus.FAILED)),
    )
    sms = session.execute(
        delete(SmsMessage).where(SmsMessage.outbound_message_id.in_(old_outbound))
    )
    report.add("sms", int(sms.rowcount))  # type: ignore[attr-defined]
    outbound = session.execute(
        delete(OutboundMessage)
        .where(OutboundMessage.id.in_(old_outbound))
        .execution_options(synchronize_session=False)
    )
    report.add("outbound_message", int(outbound.rowcount))  # type: ignore[attr-defined]
    old_inbound = select(InboundMessage.id).where(
        InboundMessage.received_at < cutoff,
        InboundMessage.status.in_((InboundStatus.DONE, InboundStatus.FAILED)),
    )
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.inbound_message_id.in_(old_inbound))
        .values(inbound_message_id=None)
        .execution_options(synchronize_session=False)
    )
    inbound = session.execute(
        delete(InboundMessage)
        .where(InboundMessage.id.in_(old_inbound))
        .execution_options(synchronize_session=False)
    )
    report.add("inbound_message", int(inbound.rowcount))  # type: ignore[attr-defined]
