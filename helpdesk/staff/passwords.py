"""Password hashing (argon2id) and the password rules. Pure Python, no database."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this bounds the work a request can cause

# The cost of a hash. "standard" is argon2-cffi's default, RFC 9106's "low memory"
# profile (argon2id, t=3, m=64 MiB, p=4): about 0.17 s per hash on one core. "test"
# (t=1, m=1 MiB, p=1) exists for the test suite, which signs in thousands of times;
# it is refused at start-up with DIODO_ENV=production (DIODO_PASSWORD_HASH_COST).
COSTS = {
    "standard": PasswordHasher(),
    "test": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_hasher = COSTS["standard"]


class CostRefused(RuntimeError):
    """The test cost was asked for in production."""


def check_cost(cost: str, env: str) -> None:
    """Raise ``CostRefused`` for any cost but the standard one with DIODO_ENV=production."""
    if cost != "standard" and env == "production":
        raise CostRefused(
            f"DIODO_PASSWORD_HASH_COST={cost} is for the test suite only; it is not allowed "
            "with DIODO_ENV=production."
        )


def use_cost(cost: str) -> None:
    """Hash new passwords with the named cost from now on (``COSTS``); a hash made with
    another cost still verifies and is renewed at the next sign-in."""
    global _hasher
    _hasher = COSTS[cost]


class PasswordRuleError(ValueError):
    """A new password breaks a rule; ``code`` names it for the German message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Fewer different characters than this is a pattern, not a password ("aaaaaaaaaaaa",
# "abababababab", "111122223333").
MIN_DISTINCT = 6
# Runs along the digits, the alphabet and German keyboard rows, forwards and backwards.
_RUNS = tuple(
    run * 3
    for base in ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertzuiopü", "asdfghjklöä",
                 "yxcvbnm", "qwertyuiop")
    for run in (base, base[::-1])
)  # fmt: skip
# Guessed first by every attacker; with any digits and a sign after them.
_COMMON = re.compile(
    r"(passwort|password|kennwort|geheim|dortmund|diodo|bibliothek|hallo|willkommen|"
    r"sommer|winter|admin|letmein|qwertz|qwerty)+[\d\W_]*",
)


def check_rules(password: str, username: str) -> None:
    """Raise ``PasswordRuleError`` unless the password is acceptable for this user.

    Length counts without spaces at the ends (twelve spaces are no password); patterns
    with few different characters, runs along the keyboard or the alphabet, and common
    words with digits are refused as ``weak`` (NIST SP 800-63B: check against values
    known to be commonly used or expected).
    """
    core = password.strip()
    if len(core) < MIN_LENGTH:
        raise PasswordRuleError("too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError("too_long")
    folded = core.casefold()
    if folded == username.strip().casefold():
        raise PasswordRuleError("equals_username")
    if (
        len(set(folded)) < MIN_DISTINCT
        or any(folded in run for run in _RUNS)
        or _COMMON.fullmatch(folded)
        or (
            len(username.strip()) >= 3
            and username.strip().casefold() in folded
            and len(set(folded.replace(username.strip().casefold(), ""))) < MIN_DISTINCT
        )
    ):
        raise PasswordRuleError("weak")


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
