"""What a v0.1 database must look like after an upgrade (or a restore), read through
today's models and services: every row ``build_v0_1`` wrote, every encrypted value
opening with the test keys, and the conversations going on where they stopped."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, text

from helpdesk.conversations import service
from helpdesk.conversations.models import Contact, InboundMessage, OutboundMessage
from helpdesk.db import Base, Database
from helpdesk.places.service import list_places
from helpdesk.privacy.phones import PLACEHOLDER, open_numbers
from helpdesk.tickets.models import Ticket, TicketMessage
from tests.integration.upgrades.v0_1 import (
    ADDRESSES,
    BUTTONS,
    CALLBACK_WINDOW,
    CONVERSATION_IDS,
    COUNTS,
    PHONE,
    T0,
    WEB_SESSION,
    WRITTEN_NUMBER,
)
from tests.keys import KEYS


def check_v0_1(url: str) -> None:
    """Everything ``build_v0_1`` wrote is there and readable through today's code."""
    db = Database(url)
    try:
        with db.read_session() as session:
            for table, expected in COUNTS.items():
                model = Base.metadata.tables[table]
                count = session.scalar(select(func.count()).select_from(model))
                assert count == expected, f"{table}: {count} rows, expected {expected}"
            for mapper in Base.registry.mappers:  # every row loads into today's models
                session.scalars(select(mapper.class_)).all()
            _check_conversations(session)
            _check_tickets_and_places(session)
    finally:
        db.dispose()


def _check_conversations(session: Any) -> None:
    for channel, number in CONVERSATION_IDS.items():
        contact = session.get(Contact, number)
        assert KEYS.decrypt(contact.address_enc) == ADDRESSES[channel]
        found = service.find_conversation(
            session, channel=channel, address=ADDRESSES[channel], keys=KEYS
        )
        assert found is not None and found.id == number, channel
        assert found.created_at == T0.replace(minute=number)
    texts = dict(session.execute(select(InboundMessage.id, InboundMessage.text)).all())
    assert texts[1] == "Wie mache ich ein Foto?" and texts[4] == "Wo gibt es WLAN in Hörde?"
    sealed = session.get(InboundMessage, 7)
    assert sealed.text == WRITTEN_NUMBER.replace("0231 9876543", PLACEHOLDER)
    assert open_numbers(sealed.numbers_enc, KEYS) == ["0231 9876543"]
    waiting = session.get(InboundMessage, 5)
    assert (waiting.status, waiting.processed_at) == ("pending", None)
    assert session.get(OutboundMessage, 1).buttons == BUTTONS
    assert session.get(OutboundMessage, 8).status == "pending"


def _check_tickets_and_places(session: Any) -> None:
    ticket = session.get(Ticket, 1)
    assert (ticket.state, ticket.open_conversation_id, ticket.place_id) == ("in_bearbeitung", 3, 1)
    assert KEYS.decrypt(ticket.phone) == PHONE
    assert KEYS.decrypt(ticket.callback_window) == CALLBACK_WINDOW
    assert session.get(Ticket, 2).resolved_at == T0.replace(minute=40)
    thread = session.scalars(select(TicketMessage.author).order_by(TicketMessage.id)).all()
    assert thread == ["citizen", "staff", "note"]
    places = {p.key: p for p in list_places(session)}
    assert places["v01-bibliothek-hoerde"].stufe == 3
    assert {str(s) for s in places["v01-bibliothek-hoerde"].services} >= {"wlan", "pcs"}
    assert places["v01-vhs-innenstadt"].languages == ("de",)
    rows = session.execute(text("SELECT channel, outcome, n FROM demand_month")).all()
    assert sorted(rows) == sorted(
        [
            ("web", "answered", 1),
            ("telegram", "routed", 1),
            ("sms", "handed_off", 1),
            ("web", "answered", 1),
        ]
    )
    feedback = session.execute(text("SELECT day, count FROM article_feedback")).one()
    assert (str(feedback[0]), feedback[1]) == (str(date(2026, 11, 20)), 3)


def continue_conversations(url: str) -> None:
    """The next message of the v0.1 web conversation goes into the same conversation,
    and the message v0.1 left waiting is the worker's next."""
    db = Database(url)
    try:
        with db.session() as session:
            conversation = service.get_or_create_conversation(
                session, channel="web", address=WEB_SESSION, keys=KEYS
            )
            assert conversation.id == CONVERSATION_IDS["web"]
            received = service.receive_message(
                session, conversation, channel_message_id="w3", text="Noch eine Frage", keys=KEYS
            )
            assert not received.duplicate
        with db.session() as session:
            claim = service.claim_next_inbound(session)
            assert claim is not None and claim.text == "Hallo?"
        with db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 3
    finally:
        db.dispose()
