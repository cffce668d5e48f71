"""Staff accounts: create, authenticate, change. Services take a Session; no web framework."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.db import MAX_ROW_ID, utcnow
from helpdesk.places.models import Place
from helpdesk.staff import passwords
from helpdesk.staff.models import StaffPlace, StaffSession, StaffUser
from helpdesk.staff.principal import Role, StaffPrincipal

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$")


class AccountError(ValueError):
    """A request about an account cannot be done; ``code`` names why (for German messages)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StaffAccount:
    """An account as the admin UI shows it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    place_ids: frozenset[int]
    failed_logins: int
    created_at: datetime
    last_login_at: datetime | None
    two_factor: bool = False  # sign-in needs a code from an authenticator app
    email: str | None = None  # ticket notifications go here (helpdesk.notifications)


def normalise_username(username: str) -> str:
    """Usernames are compared case-insensitively; they are stored lower case."""
    return username.strip().lower()


def create_account(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    place_ids: Iterable[int] = (),
) -> StaffPrincipal:
    """Create an active account; the password must follow the rules."""
    name = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError("bad_username")
    passwords.check_rules(password, name)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        raise AccountError("username_taken")
    user = StaffUser(
        username=name,
        display_name=display_name.strip()[:120] or name,
        role=Role(role).value,
        password_hash=passwords.hash_password(password),
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    set_places(session, user.id, place_ids)
    return principal_for(session, user)


def principal_for(session: Session, user: StaffUser) -> StaffPrincipal:
    """The principal of an account, with its place memberships."""
    places = session.scalars(select(StaffPlace.place_id).where(StaffPlace.staff_id == user.id))
    return StaffPrincipal(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        place_ids=frozenset(places),
    )


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> StaffPrincipal | None:
    """The principal if username and password match an active account, else None.

    Unknown usernames cost one argon2 verification too, so timing does not tell
    whether an account exists. Hashes made with older parameters are renewed.
    """
    now = now or utcnow()
    name = normalise_username(username)
    user = session.scalar(select(StaffUser).where(StaffUser.username == name))
    if user is None or len(password) > passwords.MAX_LENGTH:
        passwords.verify_password(passwords.dummy_hash(), password[: passwords.MAX_LENGTH])
        return None
    if not passwords.verify_password(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        user.last_failed_login_at = now
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.last_login_at = now
    return principal_for(session, user)


def get_account(session: Session, staff_id: int) -> StaffAccount | None:
    user = session.get(StaffUser, staff_id)
    return None if user is None else _account(session, user)


def get_account_id(session: Session, username: str) -> int | None:
    """The id of the account with this username, if any."""
    return session.scalar(
        select(StaffUser.id).where(StaffUser.username == normalise_username(username))
    )


def list_accounts(session: Session) -> list[StaffAccount]:
    """Every account, by username."""
    users = session.scalars(select(StaffUser).order_by(StaffUser.username))
    return [_account(session, user) for user in users]


def set_password(session: Session, staff_id: int, password: str) -> None:
    """Set a new password and end every session of the account."""
    user = _user(session, staff_id)
    passwords.check_rules(password, user.username)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def change_own_password(session: Session, staff_id: int, current: str, new: str) -> None:
    """A signed-in person changes their password; the current one must be right.

    Raises ``AccountError("wrong_password")`` or ``PasswordRuleError``; every session of
    the account ends (the caller starts a fresh one).
    """
    verify_own_password(session, staff_id, current)
    if new == current:
        raise AccountError("same_password")
    set_password(session, staff_id, new)


def verify_own_password(session: Session, staff_id: int, password: str) -> None:
    """Raise ``AccountError("wrong_password")`` unless ``password`` is the account's own
    (asked again before security changes such as switching on two-factor sign-in)."""
    user = _user(session, staff_id)
    if not passwords.verify_password(user.password_hash, password[: passwords.MAX_LENGTH]):
        raise AccountError("wrong_password")


def set_email(session: Session, staff_id: int, email: str) -> None:
    """Set the address for ticket notifications; empty removes it."""
    address = email.strip()
    if address and (len(address) > 254 or not EMAIL_PATTERN.fullmatch(address)):
        raise AccountError("bad_email")
    _user(session, staff_id).email = address or None


def get_email(session: Session, staff_id: int) -> str | None:
    """The account's notification address, if any."""
    return session.scalar(select(StaffUser.email).where(StaffUser.id == staff_id))


def set_role(session: Session, staff_id: int, role: Role) -> None:
    """Change the role; the account's sessions end so that no stale rights remain."""
    user = _user(session, staff_id)
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _keep_one_admin(session, staff_id)
    user.role = Role(role).value
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def set_active(session: Session, staff_id: int, active: bool) -> None:
    """Deactivate (ends every session) or reactivate an account."""
    user = _user(session, staff_id)
    if not active and user.role == Role.ADMIN:
        _keep_one_admin(session, staff_id)
    user.active = active
    if not active:
        session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def set_places(session: Session, staff_id: int, place_ids: Iterable[int]) -> None:
    """Replace the account's place memberships."""
    wanted = set(place_ids)
    # An id beyond the INTEGER column cannot even be looked up (SQLite overflows).
    if any(not 0 < pid <= MAX_ROW_ID for pid in wanted):
        raise AccountError("unknown_place")
    if wanted:
        known = set(session.scalars(select(Place.id).where(Place.id.in_(wanted))))
        if known != wanted:
            raise AccountError("unknown_place")
    session.execute(delete(StaffPlace).where(StaffPlace.staff_id == staff_id))
    session.add_all(StaffPlace(staff_id=staff_id, place_id=pid) for pid in sorted(wanted))
    session.flush()


def count_active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(StaffUser.role == Role.ADMIN.value, StaffUser.active.is_(True))
        )
        or 0
    )


def _keep_one_admin(session: Session, staff_id: int) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(
            StaffUser.role == Role.ADMIN.value,
            StaffUser.active.is_(True),
            StaffUser.id != staff_id,
        )
    )
    if not others:
        raise AccountError("last_admin")


def _user(session: Session, staff_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_id)
    if user is None:
        raise AccountError("not_found")
    return user


def _account(session: Session, user: StaffUser) -> StaffAccount:
    principal = principal_for(session, user)
    return StaffAccount(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=principal.role,
        active=user.active,
        place_ids=principal.place_ids,
        failed_logins=user.failed_logins,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        two_factor=user.totp_enabled_at is not None,
        email=user.email,
    )
