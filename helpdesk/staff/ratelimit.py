"""Login rate limit: failures per username and per client address, kept in the database.

Stored in the database (not in memory) so that it holds across several app processes.
Keys are keyed hashes: neither usernames nor addresses are stored in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.staff.models import LoginFailure


@dataclass(frozen=True)
class LoginLimit:
    """At most ``max_failures`` failed logins per key within ``window``."""

    max_failures: int
    window: timedelta
    key: bytes  # HMAC key (the app's pseudonym key)

    def keys(self, username: str, client_ip: str) -> tuple[str, str]:
        return (
            self._hash("user", username.strip().lower()),
            self._hash("ip", client_ip),
        )

    def _hash(self, kind: str, value: str) -> str:
        message = f"staff-login:{kind}:{value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def is_blocked(
    session: Session, limit: LoginLimit, username: str, client_ip: str, now: datetime
) -> bool:
    """True if the username or the address has too many recent failures."""
    since = now - limit.window
    for key in limit.keys(username, client_ip):
        count = session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key_hash == key, LoginFailure.at > since)
        )
        if (count or 0) >= limit.max_failures:
            return True
    return False


def record_failure(
    session: Session, limit: LoginLimit, username: str, client_ip: str, now: datetime
) -> None:
    """Count one failed login for the username and the address; forget old ones."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limit.window))
    session.add_all(LoginFailure(key_hash=key, at=now) for key in limit.keys(username, client_ip))


def clear_failures(session: Session, limit: LoginLimit, username: str, now: datetime) -> None:
    """A successful login forgets the username's failures (not the address's)."""
    user_key, _ = limit.keys(username, "")
    session.execute(delete(LoginFailure).where(LoginFailure.key_hash == user_key))
