"""Addresses at rest: encrypted, found by a blind index, and the keys can rotate."""

from __future__ import annotations

import json

from sqlalchemy import select

from helpdesk.conversations import service
from helpdesk.conversations.models import Contact
from helpdesk.db import Database
from helpdesk.privacy.cli import rotate_keys
from helpdesk.privacy.crypto import InvalidToken, Keyring, new_contact_key
from helpdesk.privacy.export import export_citizen
from tests.integration.privacy.conftest import dump_database
from tests.keys import CONTACT_KEY, INDEX_KEY, KEYS

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
        conversation = session.get(service.Conversation, conversation_id)
        assert conversation is not None
        service.receive_message(session, conversation, channel_message_id="1", text="Hallo DiODo")
        data = export_citizen(session, KEYS, channel="sms", address=PHONE, actor="admin:1")
        assert export_citizen(session, KEYS, channel="sms", address="+4900", actor="x") is None
    assert data is not None
    assert data["contact"]["address"] == PHONE
    assert [m["text"] for m in data["messages_from_you"]] == ["Hallo DiODo"]
    json.dumps(data)
