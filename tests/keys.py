"""Fixed test keys for contact encryption (never used outside tests)."""

from __future__ import annotations

from pydantic import SecretStr

from helpdesk.privacy.crypto import Keyring

CONTACT_KEY = "dGVzdC1jb250YWN0LWtleS0wMDAwMDAwMDAwMDAwMDA="
INDEX_KEY = "test-contact-index-key"

SETTINGS_KEYS = {
    "contact_keys": SecretStr(CONTACT_KEY),
    "contact_index_key": SecretStr(INDEX_KEY),
}
ENV_KEYS = {"DIODO_CONTACT_KEYS": CONTACT_KEY, "DIODO_CONTACT_INDEX_KEY": INDEX_KEY}


def keyring(pseudonym_key: str = "k") -> Keyring:
    """The keyring the test settings describe."""
    return Keyring(contact_keys=(CONTACT_KEY,), index_key=INDEX_KEY, pseudonym_key=pseudonym_key)


KEYS = keyring()
