"""``/staff/account/totp/…``: switch two-factor sign-in on (admins and coordinators) or
off, on the "Mein Konto" page. Checking a password or code is rate-limited like the
login; switching on and off is audited (``staff.totp_enable`` / ``staff.totp_disable``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.privacy.crypto import Keyring
from helpdesk.staff import accounts, audit, two_factor
from helpdesk.staff.account_web import TooManyAttempts, account_page, rate_limited
from helpdesk.staff.deps import ClockDep, CurrentStaff
from helpdesk.staff.messages import error_text
from helpdesk.staff.principal import StaffPrincipal
from helpdesk.texts import text

router = APIRouter(prefix="/staff/account/totp", tags=["staff"], include_in_schema=False)
Code = Annotated[str, Form(max_length=20)]


async def _refused(request: Request, principal: StaffPrincipal, exc: Exception) -> Response:
    if isinstance(exc, TooManyAttempts):
        message, status_code = text("staff_too_many_attempts"), 429
    else:
        code = exc.code if isinstance(exc, accounts.AccountError) else "not_found"
        code = "totp_wrong_password" if code == "wrong_password" else code
        message, status_code = error_text(code), 422
    return await run_in_threadpool(
        lambda: account_page(request, principal, error=message, status_code=status_code)
    )


@router.post("/setup")
async def setup(request: Request, principal: CurrentStaff) -> Response:
    """A new secret to put into the app; it counts only after ``confirm``."""
    db: Database = request.app.state.db
    keys: Keyring = request.app.state.keys

    def run() -> None:
        with db.session() as session:
            two_factor.begin_setup(session, keys, principal.id)

    try:
        await run_in_threadpool(run)
    except accounts.AccountError as error:
        return await _refused(request, principal, error)
    return RedirectResponse("/staff/account#zwei-faktor", status_code=303)


@router.post("/confirm")
async def confirm(
    request: Request,
    principal: CurrentStaff,
    clock: ClockDep,
    password: Annotated[str, Form(max_length=2048)],
    code: Code,
) -> Response:
    """Switch on: the own password again, and a current code from the app."""
    keys: Keyring = request.app.state.keys
    now = clock()

    def work(session: Session) -> None:
        accounts.verify_own_password(session, principal.id, password)
        two_factor.confirm_setup(session, keys, principal.id, code, now)
        audit.record(session, principal, "staff.totp_enable", "staff_user", principal.id, at=now)

    try:
        await run_in_threadpool(rate_limited, request, principal, now, work)
    except (accounts.AccountError, TooManyAttempts) as error:
        return await _refused(request, principal, error)
    return RedirectResponse("/staff/account?ok=totp_on", status_code=303)


@router.post("/disable")
async def disable(
    request: Request, principal: CurrentStaff, clock: ClockDep, code: Code = ""
) -> Response:
    """Switch off with a current code (a setup not yet confirmed ends without one)."""
    keys: Keyring = request.app.state.keys
    now = clock()

    def work(session: Session) -> bool:
        was_on = two_factor.is_enabled(session, principal.id)
        two_factor.disable(session, keys, principal.id, code, now)
        if was_on:
            audit.record(
                session, principal, "staff.totp_disable", "staff_user", principal.id, at=now
            )
        return was_on

    try:
        was_on = await run_in_threadpool(rate_limited, request, principal, now, work)
    except (accounts.AccountError, TooManyAttempts) as error:
        return await _refused(request, principal, error)
    return RedirectResponse(
        "/staff/account?ok=" + ("totp_off" if was_on else "totp_cancelled"), status_code=303
    )
