"""The database's figures for /metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from helpdesk.conversations.models import (
    Conversation,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.db import Database, utcnow
from helpdesk.metrics.service import CENTRAL, Snapshot, take_snapshot
from helpdesk.tickets.models import Ticket, TicketState
from tests.integration.tickets.factory import add_conversation, add_place


def _inbound(
    session: Session, conversation: Conversation, status: str, received_at: datetime
) -> None:
    session.add(
        InboundMessage(
            conversation_id=conversation.id,
            channel_message_id=f"m{received_at.timestamp()}-{status}",
            text="Hallo",
            status=status,
            received_at=received_at,
        )
    )


def _outbound(
    session: Session, conversation: Conversation, status: str, created_at: datetime
) -> None:
    session.add(
        OutboundMessage(
            conversation_id=conversation.id,
            channel=conversation.channel,
            text="Antwort",
            status=status,
            created_at=created_at,
        )
    )


def _ticket(
    session: Session,
    place_id: int | None,
    state: str,
    *,
    due: datetime | None = None,
    answered: datetime | None = None,
) -> None:
    session.add(
        Ticket(
            place_id=place_id,
            state=state,
            first_response_due_at=due,
            first_response_at=answered,
        )
    )


def _snapshot(db: Database, now: datetime) -> Snapshot:
    with db.read_session() as session:
        return take_snapshot(session, now=now, database_url=db.url)


def test_empty_database_reports_zero_for_every_channel_and_the_central_queue(
    db: Database,
) -> None:
    snapshot = _snapshot(db, utcnow())
    assert set(snapshot.inbox.count.values()) == {0}
    assert {channel for channel, _ in snapshot.inbox.count} == {"web", "sms", "telegram"}
    assert snapshot.inbox.oldest_seconds == {"web": 0.0, "sms": 0.0, "telegram": 0.0}
    assert snapshot.outbox.oldest_seconds == {"web": 0.0, "sms": 0.0, "telegram": 0.0}
    assert [(t.place_id, t.place, t.overdue) for t in snapshot.tickets] == [("", CENTRAL, 0)]
    assert snapshot.database_bytes is not None and snapshot.database_bytes > 0
    assert (snapshot.disk_free_bytes is not None) == db.is_sqlite


def test_queue_depth_and_oldest_waiting_age_count_only_unfinished_rows(db: Database) -> None:
    now = utcnow()
    with db.session() as session:
        web = add_conversation(session, "web-session-1", "web")
        sms = add_conversation(session, "+491701234567", "sms")
        telegram = add_conversation(session, "123456789", "telegram")
        _inbound(session, web, InboundStatus.PENDING, now - timedelta(seconds=300))
        _inbound(session, web, InboundStatus.PENDING, now - timedelta(seconds=10))
        _inbound(session, web, InboundStatus.DONE, now - timedelta(seconds=1000))
        _inbound(session, sms, InboundStatus.PROCESSING, now - timedelta(seconds=50))
        _inbound(session, telegram, InboundStatus.FAILED, now - timedelta(seconds=5000))
        _outbound(session, telegram, OutboundStatus.PENDING, now - timedelta(seconds=120))
        _outbound(session, telegram, OutboundStatus.SENDING, now - timedelta(seconds=20))
        _outbound(session, web, OutboundStatus.SENT, now - timedelta(seconds=900))
        _outbound(session, sms, OutboundStatus.FAILED, now - timedelta(seconds=900))

    snapshot = _snapshot(db, now)

    inbox = {key: n for key, n in snapshot.inbox.count.items() if n}
    assert inbox == {("web", "pending"): 2, ("sms", "processing"): 1}
    assert snapshot.inbox.oldest_seconds["web"] == pytest.approx(300, abs=1)
    assert snapshot.inbox.oldest_seconds["sms"] == pytest.approx(50, abs=1)
    assert snapshot.inbox.oldest_seconds["telegram"] == 0.0  # failed is finished
    outbox = {key: n for key, n in snapshot.outbox.count.items() if n}
    assert outbox == {("telegram", "pending"): 1, ("telegram", "sending"): 1}
    assert snapshot.outbox.oldest_seconds == {
        "web": 0.0,
        "sms": 0.0,
        "telegram": pytest.approx(120, abs=1),
    }


def test_open_tickets_per_place_and_overdue_first_responses(db: Database) -> None:
    now = utcnow()
    past, future = now - timedelta(minutes=5), now + timedelta(hours=1)
    with db.session() as session:
        busy = add_place(session, "busy")
        quiet = add_place(session, "quiet")
        _ticket(session, busy, TicketState.NEU, due=past)  # overdue
        _ticket(session, busy, TicketState.NEU, due=past, answered=past)  # answered in time
        _ticket(session, busy, TicketState.WARTET_AUF_ANTWORT, due=future)
        _ticket(session, busy, TicketState.GESCHLOSSEN, due=past)  # closed: not counted
        _ticket(session, None, TicketState.IN_BEARBEITUNG, due=past)  # central, overdue

    tickets = {t.place: t for t in _snapshot(db, now).tickets}

    assert set(tickets) == {CENTRAL, "Ort busy", "Ort quiet"}
    assert tickets["Ort busy"].place_id == str(busy)
    assert tickets["Ort busy"].by_state == {
        "neu": 2,
        "in_bearbeitung": 0,
        "wartet_auf_antwort": 1,
    }
    assert tickets["Ort busy"].overdue == 1
    assert tickets[CENTRAL].place_id == ""
    assert tickets[CENTRAL].by_state["in_bearbeitung"] == 1
    assert tickets[CENTRAL].overdue == 1
    assert tickets["Ort quiet"].place_id == str(quiet)
    assert set(tickets["Ort quiet"].by_state.values()) == {0}
    assert tickets["Ort quiet"].overdue == 0
