"""``/staff/password``: every signed-in person can change their own password."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.settings import Settings
from helpdesk.staff import accounts, audit, ratelimit, sessions
from helpdesk.staff.deps import (
    COOKIE_NAME,
    COOKIE_PATH,
    ClockDep,
    CurrentStaff,
    render_staff,
    session_policy,
)
from helpdesk.staff.messages import error_text
from helpdesk.staff.passwords import PasswordRuleError
from helpdesk.staff.principal import StaffPrincipal
from helpdesk.texts import text

router = APIRouter(prefix="/staff/password", tags=["staff"], include_in_schema=False)


@router.get("", response_class=HTMLResponse)
async def password_form(request: Request, principal: CurrentStaff) -> Response:
    return render_staff(
        request, principal, "staff/password.html", {"done": request.query_params.get("ok")}
    )


@router.post("", response_class=HTMLResponse)
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
    client_ip = request.client.host if request.client else "unknown"
    try:
        session_id = await run_in_threadpool(
            _change,
            request.app.state.db,
            settings,
            principal,
            current,
            password,
            client_ip,
            clock(),
        )
    except (PasswordRuleError, accounts.AccountError) as error:
        return _form(request, principal, error_text(error.code))
    if session_id is None:
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


def _change(
    db: Database,
    settings: Settings,
    principal: StaffPrincipal,
    current: str,
    new: str,
    client_ip: str,
    now: datetime,
) -> str | None:
    limit = ratelimit.LoginLimit(
        max_failures=settings.staff_login_max_failures,
        window=timedelta(minutes=settings.staff_login_window_minutes),
        key=settings.pseudonym_key.get_secret_value().encode(),
    )
    with db.session() as session:
        if ratelimit.is_blocked(session, limit, principal.username, client_ip, now):
            return None
    try:
        with db.session() as session:
            accounts.change_own_password(session, principal.id, current, new)
            audit.record(
                session, principal, "staff.change_own_password", "staff_user", principal.id
            )
            return sessions.start_session(session, principal.id, session_policy(settings), now)
    except accounts.AccountError as error:
        if error.code == "wrong_password":
            with db.session() as session:
                ratelimit.record_failure(session, limit, principal.username, client_ip, now)
        raise
