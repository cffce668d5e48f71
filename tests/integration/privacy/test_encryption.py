"""Addresses at rest: encrypted, found by a blind index, and the keys can rotate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from helpdesk import migrate
from helpdesk.cli.secrets import ensure_local_secrets
from helpdesk.conversations import service
from helpdesk.conversations.models import Contact, Conversation
from helpdesk.db import Database
from helpdesk.privacy import export as export_module
from helpdesk.privacy.cli import rotate_keys
from helpdesk.privacy.crypto import InvalidToken, Keyring, new_contact_key
from helpdesk.privacy.export import export_citizen, register_exporter
from tests.integration.privacy.conftest import dump_database
from tests.keys import CONTACT_KEY, ENV_KEYS, INDEX_KEY, KEYS

PHONE = "+491701234567"


def _contact(db: Database, keys: Keyring, channel: str, address: str) -> int:
    with db.session() as session:
        return service.get_or_create_conversation(
            session, channel=channel, address=address, keys=keys
        ).id


def test_raw_database_holds_no_plaintext_address(db: Database, database_url: str) -> None:
    _contact(db, KEYS, "sms", PHONE)
    _contact(db, KEYS, "telegram", "987654321")
    raw = dump_database(database_url)
    assert "contact" in raw
    for plain in (PHONE, "1701234567", "987654321"):
        assert plain not in raw
    with db.session() as session:
        assert service.find_conversation(session, channel="sms", address=PHONE, keys=KEYS)
        claim_address = KEYS.decrypt(session.scalars(select(Contact.address_enc)).first() or "")
        assert claim_address in (PHONE, "987654321")


def test_same_address_is_one_contact_and_the_index_depends_on_the_key(db: Database) -> None:
    first = _contact(db, KEYS, "sms", PHONE)
    assert _contact(db, KEYS, "sms", PHONE) == first
    other = Keyring(contact_keys=(CONTACT_KEY,), index_key="another", pseudonym_key="k")
    assert other.index("sms", PHONE) != KEYS.index("sms", PHONE)


def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(db: Database) -> None:
    conversation_id = _contact(db, KEYS, "sms", PHONE)
    new_key = new_contact_key()
    both = Keyring(contact_keys=(new_key, CONTACT_KEY), index_key="new-index", pseudonym_key="k")
    with db.session() as session:
        assert rotate_keys(session, both) == 1
    only_new = Keyring(contact_keys=(new_key,), index_key="new-index", pseudonym_key="k")
    with db.session() as session:
        found = service.find_conversation(session, channel="sms", address=PHONE, keys=only_new)
        assert found is not None and found.id == conversation_id
        token = session.scalars(select(Contact.address_enc)).one()
        assert only_new.decrypt(token) == PHONE
        try:
            KEYS.decrypt(token)
            raise AssertionError("the old key still decrypts the rotated address")
        except InvalidToken:
            pass
        assert service.find_conversation(session, channel="sms", address=PHONE, keys=KEYS) is None
        assert INDEX_KEY != "new-index"


def test_export_holds_everything_about_one_citizen(db: Database) -> None:
    conversation_id = _contact(db, KEYS, "sms", PHONE)
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        service.receive_message(
            session, conversation, channel_message_id="1", text="Hallo DiODo", keys=KEYS
        )
        register_exporter("tickets", lambda _session, cid: [{"conversation": cid}])
        try:
            data = export_citizen(session, KEYS, channel="sms", address=PHONE, actor="admin:1")
        finally:
            export_module._EXPORTERS.pop("tickets")
        assert export_citizen(session, KEYS, channel="sms", address="+4900", actor="x") is None
    assert data is not None
    assert data["contact"]["address"] == PHONE
    assert [m["text"] for m in data["messages_from_you"]] == ["Hallo DiODo"]
    assert data["tickets"] == [{"conversation": conversation_id}]
    json.dumps(data)


def test_migration_encrypts_existing_plaintext_contacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DIODO_PSEUDONYM_KEY", "k")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO contact (channel, address, created_at) VALUES ('sms', :a, :t)"),
            {"a": PHONE, "t": "2026-01-01 00:00:00"},
        )
    migrate.upgrade(url)
    assert PHONE not in dump_database(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT address_enc, address_index FROM contact")).one()
    engine.dispose()
    assert KEYS.decrypt(row[0]) == PHONE and row[1] == KEYS.index("sms", PHONE)
    migrate.downgrade(url, "0003")  # and back: the address is readable again
    assert PHONE in dump_database(url)


def test_local_secrets_include_valid_contact_keys(tmp_path: Path) -> None:
    env = tmp_path / "local.env"
    added = ensure_local_secrets(env)
    assert {"DIODO_CONTACT_KEYS", "DIODO_CONTACT_INDEX_KEY"} <= set(added)
    values = dict(line.split("=", 1) for line in env.read_text().splitlines())
    keys = Keyring(
        contact_keys=(values["DIODO_CONTACT_KEYS"],),
        index_key=values["DIODO_CONTACT_INDEX_KEY"],
        pseudonym_key=values["DIODO_PSEUDONYM_KEY"],
    )
    assert keys.decrypt(keys.encrypt(PHONE)) == PHONE
    assert ensure_local_secrets(env) == []  # generated once, never overwritten
