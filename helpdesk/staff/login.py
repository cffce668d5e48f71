"""Signing in: the password, then (when the account has it on) a code from the app.

Both steps are rate-limited alike (``helpdesk.staff.ratelimit``): a wrong password and a
wrong code are both failed attempts. Between the steps the browser holds a signed,
short-lived token naming the account (no session exists yet). Services only; the routes
are in ``helpdesk.staff.web``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from helpdesk.privacy.crypto import Keyring
from helpdesk.staff import accounts, audit, ratelimit, sessions, two_factor
from helpdesk.staff.models import StaffUser
from helpdesk.staff.principal import StaffPrincipal

PENDING_MINUTES = 5

Outcome = Literal["signed_in", "code_needed", "invalid", "blocked", "expired"]


@dataclass(frozen=True)
class Attempt:
    """Where an attempt comes from and what the browser holds."""

    address: str
    device_cookie: str
    old_session: str
    now: datetime


@dataclass(frozen=True)
class LoginResult:
    """The outcome; ``session_id`` and ``device_cookie`` when signed in, ``pending`` when
    the code is still needed."""

    outcome: Outcome
    session_id: str = ""
    device_cookie: str = ""
    pending: str = ""


def password_step(
    session: Session,
    limit: ratelimit.LoginLimit,
    policy: sessions.SessionPolicy,
    attempt: Attempt,
    username: str,
    password: str,
) -> LoginResult:
    """Check the password: a session, a request for the code, or a refusal."""
    now = attempt.now
    known = ratelimit.knows_device(limit, attempt.device_cookie, username, now)
    if ratelimit.blocked_by(session, limit, username, attempt.address, now, known_device=known):
        audit.record(session, None, "staff.login_blocked", "staff_user", None, at=now)
        return LoginResult("blocked")
    principal = accounts.authenticate(session, username, password, now=now)
    if principal is None:
        ratelimit.record_failure(session, limit, username, attempt.address, now)
        audit.record(session, None, "staff.login_failed", "staff_user", None, at=now)
        return LoginResult("invalid")
    if two_factor.is_enabled(session, principal.id):
        return LoginResult("code_needed", pending=_pending_token(session, limit, principal, now))
    return _sign_in(session, limit, policy, attempt, principal, {})


def code_step(
    session: Session,
    limit: ratelimit.LoginLimit,
    policy: sessions.SessionPolicy,
    keys: Keyring,
    attempt: Attempt,
    pending: str,
    code: str,
) -> LoginResult:
    """Check the code from the app for the account the pending token names."""
    now = attempt.now
    user = _pending_user(session, limit, pending, now)
    if user is None:
        return LoginResult("expired")
    known = ratelimit.knows_device(limit, attempt.device_cookie, user.username, now)
    if ratelimit.blocked_by(
        session, limit, user.username, attempt.address, now, known_device=known
    ):
        audit.record(session, None, "staff.login_blocked", "staff_user", None, at=now)
        return LoginResult("blocked")
    if not two_factor.check_code(session, keys, user.id, code, now):
        user.failed_logins += 1
        user.last_failed_login_at = now
        ratelimit.record_failure(session, limit, user.username, attempt.address, now)
        audit.record(
            session, None, "staff.login_failed", "staff_user", None, {"step": "code"}, at=now
        )
        return LoginResult("invalid", pending=pending)
    user.failed_logins = 0
    principal = accounts.principal_for(session, user)
    return _sign_in(session, limit, policy, attempt, principal, {"two_factor": True})


def _sign_in(
    session: Session,
    limit: ratelimit.LoginLimit,
    policy: sessions.SessionPolicy,
    attempt: Attempt,
    principal: StaffPrincipal,
    detail: dict[str, object],
) -> LoginResult:
    now = attempt.now
    ratelimit.clear_pair(session, limit, principal.username, attempt.address)
    if attempt.old_session:
        sessions.end_session(session, attempt.old_session)
    session_id = sessions.start_session(session, principal.id, policy, now)
    audit.record(session, principal, "staff.login", "staff_user", principal.id, detail, at=now)
    device = ratelimit.add_device_token(limit, attempt.device_cookie, principal.username, now)
    return LoginResult("signed_in", session_id=session_id, device_cookie=device)


# The pending token: "<staff id>.<expiry unix time>.<hmac>". The MAC covers the password
# hash too, so a password reset in between voids it.


def _pending_mac(limit: ratelimit.LoginLimit, staff_id: int, expires: int, pw_hash: str) -> str:
    message = f"staff-2fa-pending:{staff_id}:{expires}:{pw_hash}".encode()
    return hmac.new(limit.key, message, hashlib.sha256).hexdigest()


def _pending_token(
    session: Session, limit: ratelimit.LoginLimit, principal: StaffPrincipal, now: datetime
) -> str:
    user = session.get(StaffUser, principal.id)
    assert user is not None  # authenticate just found it
    expires = int((now + timedelta(minutes=PENDING_MINUTES)).timestamp())
    return f"{user.id}.{expires}.{_pending_mac(limit, user.id, expires, user.password_hash)}"


def _pending_user(
    session: Session, limit: ratelimit.LoginLimit, token: str, now: datetime
) -> StaffUser | None:
    parts = token.split(".")
    # ASCII digits only ("²" passes isdigit() but not int()), at most 12 of them.
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts[:2]):
        return None
    if int(parts[1]) <= now.timestamp():
        return None
    user = session.get(StaffUser, int(parts[0]))
    if user is None or not user.active or user.totp_enabled_at is None:
        return None
    expected = _pending_mac(limit, user.id, int(parts[1]), user.password_hash)
    if not hmac.compare_digest(parts[2].encode(), expected.encode()):
        return None
    return user
