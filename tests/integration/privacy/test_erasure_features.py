"""Erasure reaches every feature: a call-back ticket with its thread and phone number,
the editors' list of unanswered questions, and the demand events stay (they hold nothing
personal)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from helpdesk.analytics.events import record_for_sender
from helpdesk.analytics.models import DemandEvent, Outcome
from helpdesk.conversations import service
from helpdesk.db import Database, utcnow
from helpdesk.hooks import register_privacy_hooks
from helpdesk.knowledge import service as knowledge
from helpdesk.knowledge.models import UnansweredQuestion
from helpdesk.privacy.erasure import erase_conversation, finish_erasures
from helpdesk.privacy.export import export_citizen
from helpdesk.tickets.handoff import HandoffRequest, hand_off
from helpdesk.tickets.models import Ticket, TicketMessage, TicketType
from helpdesk.tickets.service import due_rules_from
from tests.integration.privacy.conftest import dump_database
from tests.keys import KEYS

PHONE = "+491701234567"
CALLBACK = "0231 98765432"
QUESTION = "Wie repariere ich die Waschmaschine von Quirinus Zwetschgenbaum?"
SUMMARY = "Quirinus hat Geld verloren, Zebrafinken-Konto"
RULES = due_rules_from("Mo-Fr 09:00-17:00", normal=240, hoch=120, dringend=60)


def test_erasure_covers_tickets_and_unanswered_questions_and_keeps_demand(
    db: Database, database_url: str
) -> None:
    register_privacy_hooks(KEYS)
    now = utcnow()
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="sms", address=PHONE, keys=KEYS
        )
        service.receive_message(
            session, conversation, channel_message_id="m1", text=QUESTION, keys=KEYS
        )
        knowledge.record_unanswered(session, QUESTION)
        cid, pseudonym = conversation.id, conversation.pseudonym
        opened, _ = hand_off(
            session,
            HandoffRequest(
                pseudonym=pseudonym,
                type=TicketType.RUECKRUF,
                priority="dringend",  # type: ignore[arg-type]
                topic="geld_weg",
                stadtbezirk="Eving",
                summary=SUMMARY,
                callback_window="morgens",
                phone=CALLBACK,
            ),
            now=now,
            rules=RULES,
            keys=KEYS,
        )
        session.add(TicketMessage(ticket_id=opened.ticket_id, author="citizen", text=SUMMARY))
        for outcome in (Outcome.ROUTED, Outcome.HANDED_OFF):
            record_for_sender(
                session, sender=pseudonym, key="k", outcome=outcome, stadtbezirk="Eving"
            )
    before = dump_database(database_url)
    assert SUMMARY in before and "Zwetschgenbaum" in before
    assert CALLBACK not in before, "the call-back number must be stored encrypted"
    with db.session() as session:
        exported = export_citizen(session, KEYS, channel="sms", address=PHONE, actor="test")
    assert exported is not None and exported["tickets"][0]["phone"] == CALLBACK

    with db.session() as session:
        erase_conversation(session, cid, actor="admin:test")
    with db.session() as session:
        finish_erasures(session, now=utcnow() + timedelta(minutes=2))

    after = dump_database(database_url)
    for needle in (PHONE, CALLBACK, QUESTION, SUMMARY, "Zwetschgenbaum", "morgens", pseudonym):
        assert needle not in after, f"{needle!r} survived the erasure"
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(DemandEvent)) == 2
        assert session.scalar(select(func.count()).select_from(UnansweredQuestion)) == 0
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.conversation_id is None and ticket.state == "geschlossen"
        assert (ticket.topic, ticket.stadtbezirk) == ("geld_weg", "Eving")


def test_retention_empties_long_closed_tickets_and_old_thread_texts(db: Database) -> None:
    from helpdesk.privacy.retention import apply_retention
    from helpdesk.tickets.models import TicketState

    register_privacy_hooks(KEYS, closed_ticket_days=30)
    now = utcnow()
    with db.session() as session:
        ids = []
        for address, closed_days_ago in (("+491700000001", 40), ("+491700000002", 5)):
            conversation = service.get_or_create_conversation(
                session, channel="sms", address=address, keys=KEYS
            )
            ticket = Ticket(
                conversation_id=conversation.id,
                state=TicketState.GESCHLOSSEN,
                summary=f"Zusammenfassung {address}",
                phone=KEYS.encrypt(address),
                topic="geld_weg",
                updated_at=now - timedelta(days=closed_days_ago),
            )
            session.add(ticket)
            session.flush()
            session.add(TicketMessage(ticket_id=ticket.id, author="citizen", text="neu"))
            session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    author="citizen",
                    text="alt",
                    created_at=now - timedelta(days=100),
                )
            )
            ids.append(ticket.id)
    with db.session() as session:
        report = apply_retention(session, now=now, days=90)
    assert report.counts["tickets"] == 1 + 1 + 1 + 1  # old texts of both, one ticket, its entry
    with db.read_session() as session:
        old, recent = (session.get_one(Ticket, i) for i in ids)
        assert (old.summary, old.phone, old.topic) == ("", None, "geld_weg")
        assert recent.summary and recent.phone
        texts = session.scalars(select(TicketMessage.text).order_by(TicketMessage.id)).all()
    assert texts == ["neu"]  # the recent ticket's new entry; everything old is gone
