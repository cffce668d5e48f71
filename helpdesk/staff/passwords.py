"""Password hashing (argon2id) and the password rules. Pure Python, no database."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this bounds the work a request can cause

# argon2-cffi's defaults are RFC 9106's "low memory" profile (argon2id, t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()


class PasswordRuleError(ValueError):
    """A new password breaks a rule; ``code`` names it for the German message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_rules(password: str, username: str) -> None:
    """Raise ``PasswordRuleError`` unless the password is acceptable for this user."""
    if len(password) < MIN_LENGTH:
        raise PasswordRuleError("too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError("too_long")
    if password.strip().casefold() == username.strip().casefold():
        raise PasswordRuleError("equals_username")


def hash_password(password: str) -> str:
    """An argon2id hash in PHC string form (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if the password matches. Never raises for a wrong or malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Verified against for unknown usernames, so that they take as long as known ones."""
    return hash_password(secrets.token_urlsafe(16))
