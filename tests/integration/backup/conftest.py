"""A filled system (app database and Rasa tracker store) on either backend, and an
empty one to restore into."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from helpdesk import migrate
from helpdesk.analytics.events import record_for_sender
from helpdesk.analytics.models import Outcome
from helpdesk.backup.service import Locations
from helpdesk.channels import sms_state
from helpdesk.conversations import service
from helpdesk.conversations.models import OutboundMessage
from helpdesk.conversations.service import Button, Reply
from helpdesk.db import Database, utcnow
from helpdesk.places.service import seed_example_places
from helpdesk.tickets.handoff import HandoffRequest, hand_off
from helpdesk.tickets.models import Priority, TicketMessage, TicketType
from helpdesk.tickets.service import due_rules_from
from tests.integration.privacy.conftest import EVENTS_DDL
from tests.integration.upgrades.conftest import NewDatabase, backend, key_env, new_database
from tests.keys import KEYS

__all__ = ["backend", "key_env", "new_database"]

PHONE = "+491701234567"
CHAT_ID = "987654321"
WEB_TOKEN = "websessiontoken-abcdefghijklmnopqrstuvwxyz"
ADDRESSES = {"web": WEB_TOKEN, "telegram": CHAT_ID, "sms": PHONE}
CALLBACK_WINDOW = "morgen ab 14 Uhr"

# Rasa 3.6 on PostgreSQL: the events' ids come from a sequence of their own.
EVENTS_DDL_POSTGRES = """
CREATE SEQUENCE events_seq;
CREATE TABLE events (
    id INTEGER DEFAULT nextval('events_seq') PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


def create_tracker(url: str) -> None:
    """An empty tracker store with Rasa's ``events`` table."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ddl = EVENTS_DDL if conn.dialect.name == "sqlite" else EVENTS_DDL_POSTGRES
        for statement in ddl.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    engine.dispose()


def add_turn(url: str, sender: str, user: str, bot: str) -> None:
    """A user and a bot event, as Rasa stores them."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for kind, body in (("user", user), ("bot", bot)):
            stamp = time.time()
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (:s, :t, :ts, :d)"
                ),
                {"s": sender, "t": kind, "ts": stamp, "d": json.dumps({"text": body})},
            )
    engine.dispose()


def tracker_events(url: str, sender: str) -> list[str]:
    """The texts of ``sender``'s events, oldest first."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
            return [json.loads(data)["text"] for (data,) in rows]
    finally:
        engine.dispose()


def fill(locations: Locations) -> dict[str, str]:
    """A running system's state: places, a conversation with a question and an answer on
    each channel (SMS state too), Rasa's events, a demand event, and a call-back ticket
    with a thread. Returns the pseudonym per channel."""
    db = Database(locations.database_url)
    pseudonyms = {}
    with db.session() as session:
        seed_example_places(session)
    for channel, address in ADDRESSES.items():
        question, answer = f"Wie geht das per {channel}?", f"So geht es per {channel}."
        with db.session() as session:
            conversation = service.get_or_create_conversation(
                session, channel=channel, address=address, keys=KEYS, notice="Hinweis"
            )
            service.receive_message(
                session, conversation, channel_message_id="m1", text=question, keys=KEYS
            )
            pseudonyms[channel] = conversation.pseudonym
        with db.session() as session:
            claim = service.claim_next_inbound(session)
            assert claim is not None
            service.complete_inbound(
                session, claim, [Reply(answer, (Button("Ja", "/affirm"),))], empty_reply=Reply("-")
            )
            if channel == "sms":
                sms_state.record_sent(
                    session,
                    conversation_id=claim.conversation_id,
                    outbound_id=session.scalars(select(OutboundMessage.id)).all()[-1],
                    sid="SM" + "1" * 32,
                    status="queued",
                    more_pages=[],
                    choices=(Button("Ja", "/affirm"),),
                )
        if locations.tracker_url:
            add_turn(locations.tracker_url, pseudonyms[channel], question, answer)
        with db.session() as session:
            record_for_sender(
                session,
                sender=pseudonyms[channel],
                key="k",
                outcome=Outcome.ANSWERED,
                stadtbezirk="Hörde",
            )
    with db.session() as session:
        opened, _ = hand_off(
            session,
            HandoffRequest(
                pseudonym=pseudonyms["sms"],
                type=TicketType.RUECKRUF,
                priority=Priority.HOCH,
                topic="persoenliche_hilfe",
                stadtbezirk="Hörde",
                summary="Bitte rufen Sie mich an",
                callback_window=CALLBACK_WINDOW,
                phone=PHONE,
            ),
            now=utcnow(),
            rules=due_rules_from("Mo-Fr 09:00-17:00", normal=240, hoch=120, dringend=60),
            keys=KEYS,
        )
        session.add(TicketMessage(ticket_id=opened.ticket_id, author="staff", text="Wir rufen an"))
    db.dispose()
    return pseudonyms


@dataclass
class System:
    """The databases of one DiODo installation."""

    locations: Locations

    @property
    def url(self) -> str:
        return self.locations.database_url

    @property
    def tracker(self) -> str:
        assert self.locations.tracker_url is not None
        return self.locations.tracker_url


NewSystem = Callable[[str], System]


@pytest.fixture
def new_system(new_database: NewDatabase) -> Iterator[NewSystem]:
    """Makes the empty databases of a system: an app database and a tracker store (the
    tracker store has Rasa's table when ``name`` is "source", as after Rasa ran)."""

    def make(name: str) -> System:
        system = System(Locations(new_database(name), new_database(f"{name}-tracker")))
        if name == "source":
            migrate.upgrade(system.url)
            create_tracker(system.tracker)
        return system

    yield make


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "backups" / "diodo-backup.tar.gz"
