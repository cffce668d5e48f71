"""The page "Mein Konto" (``/staff/account``) and ``/staff/password``: every signed-in
person can see their account and change their own password; admins and coordinators
can switch two-factor sign-in on or off (its routes are in ``two_factor_web``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.privacy.crypto import Keyring
from helpdesk.settings import Settings
from helpdesk.staff import accounts, audit, ratelimit, sessions, totp, two_factor
from helpdesk.staff.deps import (
    COOKIE_NAME,
    COOKIE_PATH,
    ClockDep,
    CurrentStaff,
    client_address_of,
    render_staff,
    session_policy,
)
from helpdesk.staff.messages import error_text
from helpdesk.staff.passwords import PasswordRuleError
from helpdesk.staff.principal import StaffPrincipal
from helpdesk.texts import text

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
T = TypeVar("T")
# Wrong answers to these count as failed sign-in attempts.
GUESS_ERRORS = frozenset({"wrong_password", "totp_wrong_code"})


class TooManyAttempts(Exception):
    """The rate limit refuses the attempt."""


def rate_limited(
    request: Request, principal: StaffPrincipal, now: datetime, work: Callable[[Session], T]
) -> T:
    """Run ``work`` in one transaction unless the login rate limit refuses it.

    A wrong password or code (``AccountError`` in ``GUESS_ERRORS``) is counted as a
    failed attempt of this account from this address, like a wrong login. The person is
    signed in, so the account-wide counter for unknown browsers does not apply.
    """
    db: Database = request.app.state.db
    limit = ratelimit.LoginLimit.from_settings(request.app.state.settings)
    address = client_address_of(request)
    with db.session() as session:
        if ratelimit.blocked_by(
            session, limit, principal.username, address, now, known_device=True
        ):
            raise TooManyAttempts()
    try:
        with db.session() as session:
            return work(session)
    except accounts.AccountError as error:
        if error.code in GUESS_ERRORS:
            with db.session() as session:
                ratelimit.record_failure(session, limit, principal.username, address, now)
        raise


def account_page(
    request: Request,
    principal: StaffPrincipal,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The "Mein Konto" page (with the two-factor state and, while setting up, the secret)."""
    db: Database = request.app.state.db
    keys: Keyring = request.app.state.keys
    with db.read_session() as session:
        state = two_factor.get_state(session, keys, principal.id)
        email = accounts.get_email(session, principal.id)
    context: dict[str, Any] = {
        "state": state,
        "email": email,
        "may_use_totp": principal.role in two_factor.ELIGIBLE_ROLES,
        "error": error,
        "done": request.query_params.get("ok"),
    }
    if state.pending_secret:
        context["secret"] = totp.grouped(state.pending_secret)
        context["otpauth_uri"] = totp.provisioning_uri(state.pending_secret, principal.username)
    return render_staff(request, principal, "staff/account.html", context, status_code=status_code)


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, principal: CurrentStaff) -> Response:
    """Mein Konto: name, role, password, two-factor sign-in."""
    return await run_in_threadpool(account_page, request, principal)


@router.post("/account/email", response_class=HTMLResponse)
async def account_email(
    request: Request, principal: CurrentStaff, email: Annotated[str, Form(max_length=254)] = ""
) -> Response:
    """Set or remove one's own address for ticket notifications."""
    db: Database = request.app.state.db

    def run() -> None:
        with db.session() as session:
            accounts.set_email(session, principal.id, email)
            audit.record(
                session,
                principal,
                "staff.set_own_email",
                "staff_user",
                principal.id,
                {"has_address": bool(email.strip())},
            )

    try:
        await run_in_threadpool(run)
    except accounts.AccountError as error:
        message = error_text(error.code)
        return await run_in_threadpool(
            lambda: account_page(request, principal, error=message, status_code=422)
        )
    return RedirectResponse("/staff/account?ok=email", status_code=303)


@router.get("/password", response_class=HTMLResponse)
async def password_form(request: Request, principal: CurrentStaff) -> Response:
    return render_staff(
        request, principal, "staff/password.html", {"done": request.query_params.get("ok")}
    )


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    principal: CurrentStaff,
    clock: ClockDep,
    current: Annotated[str, Form(max_length=2048)],
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Check the current password (rate-limited like the login), set the new one, and
    continue in a fresh session: every other session of the account ends."""
    if password != password2:
        return _form(request, principal, text("staff_password_mismatch"))
    settings: Settings = request.app.state.settings
    now = clock()

    def change(session: Session) -> str:
        accounts.change_own_password(session, principal.id, current, password)
        audit.record(session, principal, "staff.change_own_password", "staff_user", principal.id)
        return sessions.start_session(session, principal.id, session_policy(settings), now)

    try:
        session_id = await run_in_threadpool(rate_limited, request, principal, now, change)
    except (PasswordRuleError, accounts.AccountError) as error:
        return _form(request, principal, error_text(error.code))
    except TooManyAttempts:
        return _form(request, principal, text("staff_too_many_attempts"), status_code=429)
    response = RedirectResponse("/staff/password?ok=1", status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.staff_cookie_secure,
    )
    return response


def _form(
    request: Request, principal: StaffPrincipal, error: str, status_code: int = 422
) -> Response:
    return render_staff(
        request, principal, "staff/password.html", {"error": error}, status_code=status_code
    )
