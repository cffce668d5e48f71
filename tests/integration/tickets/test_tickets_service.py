"""Ticket use cases on SQLite and PostgreSQL: states, one open ticket, the hub's pause,
handing back to the bot, due times on staffed hours (fixed clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from helpdesk.conversations import service as hub
from helpdesk.conversations.models import (
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
)
from helpdesk.db import Database
from helpdesk.staff.principal import Role
from helpdesk.texts import text
from helpdesk.tickets import assignment, service
from helpdesk.tickets.errors import InvalidChange, NotAllowed, TicketNotFound
from helpdesk.tickets.models import (
    Author,
    Priority,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketState,
)
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.integration.tickets.factory import add_conversation, add_place, add_staff, at
from tests.keys import KEYS

_M = TypeVar("_M")
RULES = DueRules()
# Friday 27 November 2026, 17:00 in Dortmund.
FRIDAY_5PM = at("2026-11-27T17:00:00+01:00")


def _open(db: Database, address: str = "a", **kwargs: object) -> tuple[int, int]:
    with db.session() as session:
        conversation = add_conversation(session, address)
        opened = service.open_ticket(
            session,
            TicketCreate(conversation_id=conversation.id, **kwargs),  # type: ignore[arg-type]
            now=FRIDAY_5PM,
            rules=RULES,
        )
        return opened.ticket_id, conversation.id


def _load(db: Database, model: type[_M], key: int) -> _M:
    with db.read_session() as session:
        row = session.get_one(model, key)
        session.expunge(row)
    return row


def _claim_next(db: Database, address: str, message_id: str, body: str) -> hub.InboundClaim:
    with db.session() as session:
        conversation = add_conversation(session, address)
        hub.receive_message(
            session, conversation, channel_message_id=message_id, text=body, keys=KEYS
        )
    with db.session() as session:
        claim = hub.claim_next_inbound(session)
    assert claim is not None
    return claim


def test_due_time_counts_only_staffed_hours(db: Database) -> None:
    with db.session() as session:
        place_id = add_place(session, "bib", hours="Mo-Fr 10:00-18:00")
    ticket_id, _ = _open(db, place_id=place_id, priority=Priority.HOCH)
    ticket = _load(db, Ticket, ticket_id)
    # 4 staffed hours from Friday 17:00: one on Friday, three on Monday from 10:00.
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_due_time_of_the_central_queue_uses_the_central_hours(db: Database) -> None:
    ticket_id, _ = _open(db, priority=Priority.DRINGEND)
    ticket = _load(db, Ticket, ticket_id)
    # Central desk Mo-Fr 9-17, closed at Friday 17:00: Monday 10:00 local = 09:00 UTC.
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_conversation_has_at_most_one_open_ticket(db: Database) -> None:
    first, conversation_id = _open(db)
    with db.session() as session:
        again = service.open_ticket(
            session, TicketCreate(conversation_id=conversation_id), now=FRIDAY_5PM, rules=RULES
        )
    assert again.ticket_id == first and not again.created
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Ticket(conversation_id=conversation_id, open_conversation_id=conversation_id))
        session.flush()


def test_while_a_ticket_is_open_messages_go_to_the_ticket_not_the_bot(db: Database) -> None:
    ticket_id, _ = _open(db, address="p")
    claim = _claim_next(db, "p", "m1", "Hallo, ist da jemand?")
    with db.session() as session:
        assert service.absorb_inbound(session, claim, now=FRIDAY_5PM)
    with db.read_session() as session:
        message = session.get_one(InboundMessage, claim.inbound_id)
        thread = session.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
        ).all()
        outbox = session.scalar(select(func.count()).select_from(OutboundMessage))
        assert message.status == InboundStatus.DONE
        assert [(m.author, m.text) for m in thread] == [(Author.CITIZEN, "Hallo, ist da jemand?")]
    assert outbox == 0


def test_without_an_open_ticket_the_bot_answers(db: Database) -> None:
    claim = _claim_next(db, "q", "m1", "Wie schicke ich ein Foto?")
    with db.session() as session:
        assert not service.absorb_inbound(session, claim, now=FRIDAY_5PM)
    with db.read_session() as session:
        assert session.get_one(InboundMessage, claim.inbound_id).status == InboundStatus.PROCESSING


def test_staff_reply_goes_to_the_outbox_and_waits_for_the_citizen(db: Database) -> None:
    with db.session() as session:
        place_id = add_place(session, "bib")
        helper = add_staff(session, "hanna", Role.HELPER, (place_id,))
    ticket_id, conversation_id = _open(db, address="r", place_id=place_id)
    with db.session() as session:
        outbound_id = service.reply(session, helper, ticket_id, "Guten Tag!", now=FRIDAY_5PM)
    with db.read_session() as session:
        out = _load(db, OutboundMessage, outbound_id)
        ticket = _load(db, Ticket, ticket_id)
    assert (out.kind, out.text, out.conversation_id) == (
        OutboundKind.STAFF,
        "Guten Tag!",
        conversation_id,
    )
    assert ticket.state == TicketState.WARTET_AUF_ANTWORT
    assert ticket.first_response_at == FRIDAY_5PM
    assert ticket.assignee_id == helper.id
    claim = _claim_next(db, "r", "m2", "Danke, und wie geht das?")
    with db.session() as session:
        service.absorb_inbound(session, claim, now=FRIDAY_5PM)
    with db.read_session() as session:
        assert _load(db, Ticket, ticket_id).state == TicketState.IN_BEARBEITUNG


def test_resolving_hands_the_conversation_back_to_the_bot(db: Database) -> None:
    with db.session() as session:
        coordinator = add_staff(session, "cora", Role.COORDINATOR)
    ticket_id, conversation_id = _open(db, address="s")
    with db.session() as session:
        notice_id = service.set_state(
            session, coordinator, ticket_id, TicketState.GELOEST, now=FRIDAY_5PM
        )
    assert notice_id is not None
    with db.read_session() as session:
        notice = _load(db, OutboundMessage, notice_id)
        ticket = _load(db, Ticket, ticket_id)
        kinds = session.scalars(
            select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id)
        ).all()
    assert notice.text == text("ticket_resolved") and "digitale Assistent" in notice.text
    assert ticket.open_conversation_id is None and ticket.resolved_at == FRIDAY_5PM
    assert kinds == ["created", "state"]
    claim = _claim_next(db, "s", "m3", "Neue Frage")
    with db.session() as session:
        assert not service.absorb_inbound(session, claim, now=FRIDAY_5PM)
    # A new handoff opens a new ticket.
    with db.session() as session:
        again = service.open_ticket(
            session, TicketCreate(conversation_id=conversation_id), now=FRIDAY_5PM, rules=RULES
        )
    assert again.created and again.ticket_id != ticket_id


def test_reopening_is_refused_while_another_ticket_is_open(db: Database) -> None:
    with db.session() as session:
        admin = add_staff(session, "ada", Role.ADMIN)
    first, conversation_id = _open(db, address="t")
    with db.session() as session:
        service.set_state(session, admin, first, TicketState.GESCHLOSSEN, now=FRIDAY_5PM)
        service.open_ticket(
            session, TicketCreate(conversation_id=conversation_id), now=FRIDAY_5PM, rules=RULES
        )
    with pytest.raises(InvalidChange), db.session() as session:
        service.set_state(session, admin, first, TicketState.IN_BEARBEITUNG, now=FRIDAY_5PM)


def test_helpers_work_only_the_tickets_of_their_places(db: Database) -> None:
    with db.session() as session:
        place_a = add_place(session, "a")
        place_b = add_place(session, "b")
        helper_a = add_staff(session, "anna", Role.HELPER, (place_a,))
        organiser = add_staff(session, "otto", Role.ORGANISER)
    ticket_b, _ = _open(db, address="u", place_id=place_b)
    central, _ = _open(db, address="v")
    for ticket_id in (ticket_b, central):
        with pytest.raises(TicketNotFound), db.session() as session:
            service.reply(session, helper_a, ticket_id, "Hallo", now=FRIDAY_5PM)
        with pytest.raises(TicketNotFound), db.session() as session:
            service.set_state(session, helper_a, ticket_id, TicketState.GELOEST, now=FRIDAY_5PM)
    with pytest.raises(NotAllowed), db.session() as session:
        service.load_ticket(session, organiser, ticket_b)


def test_transfer_moves_the_ticket_out_of_the_helpers_view(db: Database) -> None:
    with db.session() as session:
        place_a = add_place(session, "a")
        place_b = add_place(session, "b")
        helper_a = add_staff(session, "anna", Role.HELPER, (place_a,))
    ticket_id, _ = _open(db, address="w", place_id=place_a)
    with db.session() as session:
        assignment.assign(session, helper_a, ticket_id, helper_a.id, now=FRIDAY_5PM)
        assignment.transfer(session, helper_a, ticket_id, place_b, now=FRIDAY_5PM)
    with db.read_session() as session:
        ticket = _load(db, Ticket, ticket_id)
        assert (ticket.place_id, ticket.assignee_id) == (place_b, None)
        with pytest.raises(TicketNotFound):
            service.load_ticket(session, helper_a, ticket_id)


def test_helpers_may_not_assign_others(db: Database) -> None:
    with db.session() as session:
        place_a = add_place(session, "a")
        anna = add_staff(session, "anna", Role.HELPER, (place_a,))
        bert = add_staff(session, "bert", Role.HELPER, (place_a,))
    ticket_id, _ = _open(db, address="x", place_id=place_a)
    with pytest.raises(NotAllowed), db.session() as session:
        assignment.assign(session, anna, ticket_id, bert.id, now=FRIDAY_5PM)


def test_notes_stay_internal_and_priority_moves_the_due_time(db: Database) -> None:
    with db.session() as session:
        place_a = add_place(session, "a")
        anna = add_staff(session, "anna", Role.HELPER, (place_a,))
    ticket_id, _ = _open(db, address="y", place_id=place_a)
    with db.session() as session:
        service.add_note(session, anna, ticket_id, "Rückruf am Montag", now=FRIDAY_5PM)
        service.set_priority(session, anna, ticket_id, "dringend", now=FRIDAY_5PM, rules=RULES)
    with db.read_session() as session:
        ticket = _load(db, Ticket, ticket_id)
        outbox = session.scalar(select(func.count()).select_from(OutboundMessage))
    assert outbox == 0
    assert ticket.priority == Priority.DRINGEND
    # One staffed hour from Friday 17:00 ends at 18:00 local (17:00 UTC).
    assert ticket.first_response_due_at == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
