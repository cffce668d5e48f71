"""Server-side staff sessions with idle and absolute timeouts (no web framework).

The browser holds a random session id; the database holds only its SHA-256, so a
leaked database copy cannot be used to sign in. Every timestamp comes from the
caller (``now``) so that tests drive the clock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from helpdesk.staff.models import StaffPlace, StaffSession, StaffUser
from helpdesk.staff.principal import Role, StaffPrincipal

# last_seen_at is written at most this often, so that reads do not all become writes.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: idle timeout and absolute lifetime."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class ActiveSession:
    """A valid session: who is signed in and the session's CSRF token."""

    principal: StaffPrincipal
    csrf_token: str
    id_hash: str
    needs_touch: bool


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(session: Session, staff_id: int, policy: SessionPolicy, now: datetime) -> str:
    """Create a session; returns the new random session id for the cookie."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id_hash=hash_session_id(session_id),
            staff_id=staff_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    # Expired rows of anyone are removed here, at a moment that writes anyway.
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    return session_id


def load_session(
    session: Session, session_id: str, policy: SessionPolicy, now: datetime
) -> ActiveSession | None:
    """The active session for a cookie value, or None if unknown, expired or idle.

    One round trip (session, account and place memberships joined), no ORM objects:
    this runs on every staff request.
    """
    if not session_id or len(session_id) > 128:
        return None
    id_hash = hash_session_id(session_id)
    rows = session.execute(
        select(
            StaffSession.csrf_token,
            StaffSession.last_seen_at,
            StaffSession.expires_at,
            StaffUser.id,
            StaffUser.username,
            StaffUser.display_name,
            StaffUser.role,
            StaffUser.active,
            StaffPlace.place_id,
        )
        .join(StaffUser, StaffUser.id == StaffSession.staff_id)
        .outerjoin(StaffPlace, StaffPlace.staff_id == StaffUser.id)
        .where(StaffSession.id_hash == id_hash)
    ).all()
    if not rows:
        return None
    csrf_token, last_seen_at, expires_at, staff_id, username, display_name, role, active, _ = rows[
        0
    ]
    if not active or now >= expires_at or now - last_seen_at >= policy.idle:
        return None
    principal = StaffPrincipal(
        id=staff_id,
        username=username,
        display_name=display_name,
        role=Role(role),
        place_ids=frozenset(row.place_id for row in rows if row.place_id is not None),
    )
    return ActiveSession(
        principal=principal,
        csrf_token=csrf_token,
        id_hash=id_hash,
        needs_touch=now - last_seen_at >= TOUCH_INTERVAL,
    )


def touch_session(session: Session, id_hash: str, now: datetime) -> None:
    """Record activity (resets the idle timeout)."""
    session.execute(
        update(StaffSession).where(StaffSession.id_hash == id_hash).values(last_seen_at=now)
    )


def end_session(session: Session, session_id: str) -> bool:
    """Delete the session row (logout). True if there was one."""
    result = session.execute(
        delete(StaffSession).where(StaffSession.id_hash == hash_session_id(session_id))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_expired(session: Session, policy: SessionPolicy, now: datetime) -> None:
    """Delete sessions past their absolute or idle limit."""
    session.execute(
        delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.last_seen_at <= now - policy.idle)
        )
    )
