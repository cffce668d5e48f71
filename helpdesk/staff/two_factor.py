"""Two-factor sign-in with an authenticator app (TOTP), optional for admins and
coordinators. Services take a Session; no web framework.

The secret is stored encrypted with the contact keys (``Keyring``), so a copy of the
database does not give it away; ``rotate_totp_secrets`` re-encrypts it when the keys
rotate (``diodo privacy rotate-keys``). A code is accepted once: the time step it
belongs to is stored and afterwards only later steps count. That is a compare-and-set in
SQL, so two app processes cannot both accept the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from helpdesk.privacy.crypto import Keyring
from helpdesk.staff import totp
from helpdesk.staff.accounts import AccountError
from helpdesk.staff.models import StaffUser
from helpdesk.staff.principal import Role

ELIGIBLE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


@dataclass(frozen=True)
class TwoFactorState:
    """What the account page shows: on or off, and the secret while setting it up."""

    enabled: bool
    pending_secret: str | None = None
    enabled_at: datetime | None = None


def _user(session: Session, staff_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_id)
    if user is None:
        raise AccountError("not_found")
    return user


def get_state(session: Session, keys: Keyring, staff_id: int) -> TwoFactorState:
    """The account's two-factor state (the secret only while it is not yet confirmed)."""
    user = _user(session, staff_id)
    if user.totp_enabled_at is not None:
        return TwoFactorState(enabled=True, enabled_at=user.totp_enabled_at)
    if user.totp_secret_enc:
        return TwoFactorState(enabled=False, pending_secret=keys.decrypt(user.totp_secret_enc))
    return TwoFactorState(enabled=False)


def is_enabled(session: Session, staff_id: int) -> bool:
    """True if sign-in needs a code for this account."""
    enabled_at = session.scalar(select(StaffUser.totp_enabled_at).where(StaffUser.id == staff_id))
    return enabled_at is not None


def begin_setup(session: Session, keys: Keyring, staff_id: int) -> str:
    """A fresh secret for the person to put into their app; on only after ``confirm_setup``.

    Raises ``AccountError``: ``totp_not_allowed`` (role), ``totp_already_on``.
    """
    user = _user(session, staff_id)
    if Role(user.role) not in ELIGIBLE_ROLES:
        raise AccountError("totp_not_allowed")
    if user.totp_enabled_at is not None:
        raise AccountError("totp_already_on")
    secret = totp.new_secret()
    user.totp_secret_enc = keys.encrypt(secret)
    user.totp_last_step = None
    return secret


def confirm_setup(session: Session, keys: Keyring, staff_id: int, code: str, now: datetime) -> None:
    """Switch two-factor sign-in on once a code from the app matches the new secret.

    Raises ``AccountError``: ``totp_not_pending``, ``totp_wrong_code``.
    """
    user = _user(session, staff_id)
    if user.totp_enabled_at is not None or not user.totp_secret_enc:
        raise AccountError("totp_not_pending")
    step = totp.matching_step(keys.decrypt(user.totp_secret_enc), code, now)
    if step is None:
        raise AccountError("totp_wrong_code")
    user.totp_enabled_at = now
    user.totp_last_step = step


def check_code(session: Session, keys: Keyring, staff_id: int, code: str, now: datetime) -> bool:
    """True if ``code`` is a current code of the account and was not used before."""
    secret_enc = session.scalar(
        select(StaffUser.totp_secret_enc).where(
            StaffUser.id == staff_id, StaffUser.totp_enabled_at.is_not(None)
        )
    )
    if not secret_enc:
        return False
    step = totp.matching_step(keys.decrypt(secret_enc), code, now)
    if step is None:
        return False
    result = session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == staff_id,
            or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def disable(session: Session, keys: Keyring, staff_id: int, code: str, now: datetime) -> None:
    """The person switches it off; needs a current code (a setup not yet confirmed: none).

    Raises ``AccountError("totp_wrong_code")``.
    """
    user = _user(session, staff_id)
    if user.totp_enabled_at is not None and not check_code(session, keys, staff_id, code, now):
        raise AccountError("totp_wrong_code")
    _clear(session, staff_id)


def reset(session: Session, staff_id: int) -> bool:
    """An admin switches it off for someone who lost their app. True if it was on."""
    user = _user(session, staff_id)
    was_on = user.totp_enabled_at is not None
    _clear(session, staff_id)
    return was_on


def _clear(session: Session, staff_id: int) -> None:
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == staff_id)
        .values(totp_secret_enc=None, totp_enabled_at=None, totp_last_step=None)
        .execution_options(synchronize_session="fetch")
    )


def rotate_totp_secrets(session: Session, keys: Keyring) -> int:
    """Re-encrypt every stored secret with the newest contact key (a key rotation step)."""
    count = 0
    stored = select(StaffUser).where(StaffUser.totp_secret_enc.is_not(None)).with_for_update()
    for user in session.scalars(stored):
        user.totp_secret_enc = keys.rotate(user.totp_secret_enc or "")
        count += 1
    return count
