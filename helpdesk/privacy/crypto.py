"""Keys for personal data at rest: contact encryption, blind index, pseudonyms.

Addresses (web session tokens, Telegram chat ids, phone numbers) are stored only in
``contact``, encrypted with Fernet (AES-128-CBC + HMAC-SHA256, authenticated). A list of
keys allows rotation: the first key encrypts, every key decrypts (``MultiFernet``). A
contact is found by a blind index: a keyed HMAC of channel and address, which also
carries the unique constraint. Pseudonyms (the only citizen id that leaves the app) are
keyed HMACs over channel, address and a random per-conversation salt, so they cannot be
recomputed from a phone number once the contact is erased.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from helpdesk.settings import Settings


class KeyringError(Exception):
    """A key setting is missing or malformed."""


def new_contact_key() -> str:
    """A fresh Fernet key (urlsafe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode()


def _hmac(key: str, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keyring:
    """Every key the app uses for personal data. Build it with ``from_settings``."""

    contact_keys: tuple[str, ...] = field(repr=False)
    index_key: str = field(repr=False)
    pseudonym_key: str = field(repr=False)
    pseudonym_key_id: str = "1"

    def __post_init__(self) -> None:
        if not self.contact_keys or not self.index_key or not self.pseudonym_key:
            raise KeyringError("contact keys, contact index key and pseudonym key must be set")
        try:
            fernets = [Fernet(key.encode()) for key in self.contact_keys]
        except (ValueError, TypeError) as exc:
            raise KeyringError("DIODO_CONTACT_KEYS holds a malformed Fernet key") from exc
        object.__setattr__(self, "_fernet", MultiFernet(fernets))

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """The keyring of ``settings`` (raises ``KeyringError`` when a key is missing)."""
        keys = tuple(
            k.strip() for k in settings.contact_keys.get_secret_value().split(",") if k.strip()
        )
        return cls(
            contact_keys=keys,
            index_key=settings.contact_index_key.get_secret_value(),
            pseudonym_key=settings.pseudonym_key.get_secret_value(),
            pseudonym_key_id=settings.pseudonym_key_id,
        )

    @property
    def _multi(self) -> MultiFernet:
        return object.__getattribute__(self, "_fernet")  # type: ignore[no-any-return]

    def encrypt(self, plaintext: str) -> str:
        """Encrypt with the newest key."""
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever key fits; raises ``InvalidToken`` if none does."""
        return self._multi.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """The same plaintext, encrypted with the newest key."""
        return self._multi.rotate(token.encode()).decode()

    def index(self, channel: str, address: str) -> str:
        """The blind index of a contact: how it is looked up without decrypting."""
        return _hmac(self.index_key, "contact", channel, address)

    def pseudonym(self, channel: str, address: str, salt: str | None = None) -> str:
        """A keyed HMAC pseudonym; a fresh random salt unless one is given."""
        return _hmac(self.pseudonym_key, channel, address, salt or secrets.token_hex(16))


__all__ = ["InvalidToken", "Keyring", "KeyringError", "new_contact_key"]
