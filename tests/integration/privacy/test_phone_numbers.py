"""A phone number a citizen writes is kept only encrypted (hardening finding 2): not in
the inbox text, not in what Rasa gets, not in the ticket's call-back window; the
call-back ticket and the staff member reading the thread still get it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from helpdesk import migrate
from helpdesk.conversations import service
from helpdesk.conversations.models import Conversation, InboundMessage
from helpdesk.db import Database, utcnow
from helpdesk.privacy.cli import rotate_keys
from helpdesk.privacy.crypto import Keyring, new_contact_key
from helpdesk.privacy.phones import PLACEHOLDER
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.tickets import service as tickets
from helpdesk.tickets.handoff import HandoffRequest, hand_off
from helpdesk.tickets.models import Priority, Ticket, TicketType
from helpdesk.tickets.queries import get_ticket_view
from helpdesk.tickets.service import due_rules_from
from tests.integration.privacy.conftest import dump_database
from tests.keys import CONTACT_KEY, ENV_KEYS, INDEX_KEY, KEYS

RULES = due_rules_from("Mo-Fr 09:00-17:00", normal=240, hoch=120, dringend=60)
ADMIN = StaffPrincipal(1, "admin", "Admin", Role.ADMIN, frozenset())
ANSWER = "Bitte unter 0231 9876543, morgen ab 14 Uhr"
DIGITS = ("9876543", "98765", "0231 98")


def _say(db: Database, address: str, message_id: str, body: str) -> service.InboundClaim:
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="web", address=address, keys=KEYS
        )
        service.receive_message(
            session, conversation, channel_message_id=message_id, text=body, keys=KEYS
        )
    with db.session() as session:
        claim = service.claim_next_inbound(session)
    assert claim is not None
    return claim


def _call_back(db: Database, pseudonym: str) -> int:
    with db.session() as session:
        opened, _ = hand_off(
            session,
            HandoffRequest(
                pseudonym=pseudonym,
                type=TicketType.RUECKRUF,
                priority=Priority.NORMAL,
                topic="persoenliche_hilfe",
                stadtbezirk=None,
                summary="",
                callback_window="morgen ab 14 Uhr",
                use_written_number=True,
            ),
            now=utcnow(),
            rules=RULES,
            keys=KEYS,
        )
    return opened.ticket_id


def _assert_no_digits(raw: str) -> None:
    for digits in DIGITS:
        assert digits not in raw


def test_a_written_number_is_neither_in_the_inbox_text_nor_in_what_rasa_gets(
    db: Database, database_url: str
) -> None:
    claim = _say(db, "session-a", "m1", ANSWER)
    assert claim.text == f"Bitte unter {PLACEHOLDER}, morgen ab 14 Uhr"  # Rasa sees this
    _assert_no_digits(dump_database(database_url))
    with db.read_session() as session:
        message = session.scalars(select(InboundMessage)).one()
        assert message.numbers_enc and "0231" not in message.numbers_enc


def test_a_call_back_on_a_written_number_keeps_number_and_time_encrypted(
    db: Database, database_url: str
) -> None:
    claim = _say(db, "session-b", "m1", ANSWER)
    with db.session() as session:
        assert service.finish_inbound_silently(session, claim, now=utcnow())
    ticket_id = _call_back(db, claim.pseudonym)
    _assert_no_digits(dump_database(database_url))
    with db.read_session() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert "morgen" not in (ticket.callback_window or ""), "the window is encrypted too"
        assert KEYS.decrypt(ticket.phone or "") == "02319876543"
        view = get_ticket_view(session, ADMIN, ticket_id, now=utcnow(), keys=KEYS)
    assert (view.phone, view.callback_window) == ("02319876543", "morgen ab 14 Uhr")
    assert all("9876543" not in line.text for line in view.transcript)


def test_staff_read_a_number_written_while_the_ticket_is_open(
    db: Database, database_url: str
) -> None:
    first = _say(db, "session-c", "m1", "Ich brauche Hilfe")
    with db.session() as session:
        assert service.finish_inbound_silently(session, first, now=utcnow())
    with db.session() as session:
        conversation = session.get_one(Conversation, first.conversation_id)
        opened = tickets.open_ticket(
            session,
            tickets.TicketCreate(conversation_id=conversation.id),
            now=utcnow(),
            rules=RULES,
        )
    later = _say(db, "session-c", "m2", "Meine Nummer ist 0176 1234567")
    with db.session() as session:
        assert tickets.absorb_inbound(session, later, now=utcnow())
    assert "1234567" not in dump_database(database_url)
    with db.read_session() as session:
        view = get_ticket_view(session, ADMIN, opened.ticket_id, now=utcnow(), keys=KEYS)
    assert [line.text for line in view.thread] == ["Meine Nummer ist 0176 1234567"]


def test_key_rotation_re_encrypts_written_numbers_and_call_back_fields(db: Database) -> None:
    from helpdesk.hooks import register_privacy_hooks

    claim = _say(db, "session-d", "m1", ANSWER)
    with db.session() as session:
        assert service.finish_inbound_silently(session, claim, now=utcnow())
    ticket_id = _call_back(db, claim.pseudonym)
    new = Keyring(
        contact_keys=(new_contact_key(), CONTACT_KEY), index_key=INDEX_KEY, pseudonym_key="k"
    )
    register_privacy_hooks(new)
    with db.session() as session:
        rotate_keys(session, new)
    only_new = Keyring(contact_keys=new.contact_keys[:1], index_key=INDEX_KEY, pseudonym_key="k")
    with db.read_session() as session:
        view = get_ticket_view(session, ADMIN, ticket_id, now=utcnow(), keys=only_new)
        sealed = session.scalars(select(InboundMessage.numbers_enc)).one()
    assert (view.phone, view.callback_window) == ("02319876543", "morgen ab 14 Uhr")
    assert only_new.decrypt(sealed or "") == '["0231 9876543"]'


def test_migration_takes_numbers_out_of_existing_texts_and_encrypts_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DIODO_PSEUDONYM_KEY", "k")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contact (id, channel, address_enc, address_index, created_at) "
                "VALUES (1, 'web', 'x', 'ix', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO conversation (id, contact_id, channel, pseudonym, pseudonym_key_id,"
                " created_at, last_activity_at) VALUES (1, 1, 'web', 'p', '1',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO inbound_message (id, conversation_id, channel_message_id, text,"
                " status, attempts, next_attempt_at, received_at) VALUES (1, 1, 'm1', :t,"
                " 'done', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"t": ANSWER},
        )
        conn.execute(
            text(
                "INSERT INTO ticket (id, conversation_id, type, state, priority, topic, summary,"
                " callback_window, created_at, updated_at) VALUES (1, 1, 'rueckruf', 'neu',"
                " 'normal', '', '', :w, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"w": "0231 9876543, morgen ab 14 Uhr"},
        )
    migrate.upgrade(url)
    _assert_no_digits(dump_database(url))
    with engine.connect() as conn:
        window = conn.execute(text("SELECT callback_window FROM ticket")).scalar_one()
        sealed = conn.execute(text("SELECT numbers_enc FROM inbound_message")).scalar_one()
    assert "morgen" not in window and KEYS.decrypt(window) == "morgen ab 14 Uhr"
    assert KEYS.decrypt(sealed) == '["0231 9876543"]'
    migrate.downgrade(url, "0008")  # and back: the texts are as they were
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM inbound_message")).scalar_one() == ANSWER
    engine.dispose()
