"""Staff web UI: login, logout and the home redirect (the dashboard is in analytics).

The names other staff features build on are exported here: ``current_staff`` /
``CurrentStaff``, ``require_roles``, ``csrf_protect`` / ``CsrfChecked`` and
``render_staff``. ``register(app)`` adds the routes and the error handlers.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.settings import Settings
from helpdesk.staff import accounts, audit, ratelimit, sessions
from helpdesk.staff.deps import (
    COOKIE_NAME,
    COOKIE_PATH,
    ClockDep,
    CsrfChecked,
    CurrentStaff,
    StaffAuthRequired,
    StaffForbidden,
    csrf_protect,
    current_session,
    current_staff,
    on_auth_required,
    on_forbidden,
    render_staff,
    require_roles,
    session_policy,
)

__all__ = [
    "CsrfChecked",
    "CurrentStaff",
    "csrf_protect",
    "current_session",
    "current_staff",
    "register",
    "render_staff",
    "require_roles",
]

BERLIN = ZoneInfo("Europe/Berlin")
LOGIN_COOKIE = "diodo_staff_login"
LOGIN_COOKIE_PATH = "/staff/login"

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)


def register(app: FastAPI) -> None:
    """Add the staff routes (login, home, admin, places API) and error handlers."""
    from helpdesk.staff import account_web, admin, admin_places, places_api

    app.state.templates.env.filters["berlin"] = berlin_time
    app.add_exception_handler(StaffAuthRequired, on_auth_required)
    app.add_exception_handler(StaffForbidden, on_forbidden)
    app.include_router(router)
    app.include_router(account_web.router)
    app.include_router(admin.router)
    app.include_router(admin_places.router)
    app.include_router(places_api.router)


def berlin_time(value: datetime | None, seconds: bool = False, short: bool = False) -> str:
    """Template filter ``berlin``: a UTC timestamp as Dortmund wall-clock time
    (``short``: day and month only, for dense lists)."""
    if value is None:
        return ""
    day = "%d.%m." if short else "%d.%m.%Y"
    return value.astimezone(BERLIN).strftime(f"{day} %H:%M" + (":%S" if seconds else ""))


def safe_next(target: str | None) -> str:
    """Only local staff paths are followed after login (no open redirect)."""
    if (
        target
        and target.startswith("/staff")
        and not target.startswith("//")
        and "\\" not in target
        and not target.startswith("/staff/login")
    ):
        return target
    return "/staff/"


def _login_page(
    request: Request, *, error: str | None, next_path: str, status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render_staff(
        request,
        None,
        "staff/login.html",
        {
            "error": error,
            "login_token": token,
            "next_path": next_path,
            "logged_out": request.query_params.get("abgemeldet") == "1",
        },
        status_code=status_code,
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        path=LOGIN_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.staff_cookie_secure,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    """The German login page."""
    return _login_page(request, error=None, next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2048)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password; on success start a fresh session (no session fixation)."""
    next_path = safe_next(next)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(login_token.encode(), expected.encode()):
        return _login_page(request, error="expired", next_path=next_path, status_code=403)
    settings: Settings = request.app.state.settings
    client_ip = request.client.host if request.client else "unknown"
    old_session = request.cookies.get(COOKIE_NAME, "")
    outcome = await run_in_threadpool(
        _login,
        request.app.state.db,
        settings,
        username,
        password,
        client_ip,
        old_session,
        clock(),
    )
    if outcome == "blocked":
        return _login_page(request, error="blocked", next_path=next_path, status_code=429)
    if outcome is None:
        return _login_page(request, error="invalid", next_path=next_path, status_code=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        outcome,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.staff_cookie_secure,
    )
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_COOKIE_PATH)
    return response


def _login(
    db: Database,
    settings: Settings,
    username: str,
    password: str,
    client_ip: str,
    old_session: str,
    now: datetime,
) -> str | None:
    """The new session id, None for a wrong login, or ``"blocked"`` when rate-limited."""
    limit = ratelimit.LoginLimit(
        max_failures=settings.staff_login_max_failures,
        window=timedelta(minutes=settings.staff_login_window_minutes),
        key=settings.pseudonym_key.get_secret_value().encode(),
    )
    with db.session() as session:
        if ratelimit.is_blocked(session, limit, username, client_ip, now):
            audit.record(session, None, "staff.login_blocked", "staff_user", None, at=now)
            return "blocked"
        principal = accounts.authenticate(session, username, password, now=now)
        if principal is None:
            ratelimit.record_failure(session, limit, username, client_ip, now)
            audit.record(session, None, "staff.login_failed", "staff_user", None, at=now)
            return None
        ratelimit.clear_failures(session, limit, username, now)
        if old_session:
            sessions.end_session(session, old_session)
        session_id = sessions.start_session(session, principal.id, session_policy(settings), now)
        audit.record(session, principal, "staff.login", "staff_user", principal.id, at=now)
        return session_id


@router.post("/logout")
async def logout(request: Request, principal: CurrentStaff, _csrf: CsrfChecked) -> Response:
    """End the session on the server and in the browser."""
    session_id = request.cookies.get(COOKIE_NAME, "")
    db: Database = request.app.state.db

    def run() -> None:
        with db.session() as session:
            sessions.end_session(session, session_id)
            audit.record(session, principal, "staff.logout", "staff_user", principal.id)

    await run_in_threadpool(run)
    response = RedirectResponse("/staff/login?abgemeldet=1", status_code=303)
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response


@router.get("/")
async def home(principal: CurrentStaff) -> Response:
    """Organisers land on the dashboard, everyone else on the ticket queue."""
    target = "/staff/tickets" if principal.works_tickets else "/staff/dashboard"
    return RedirectResponse(target, status_code=303)


@router.get("/api/me")
async def me(principal: CurrentStaff, request: Request) -> dict[str, object]:
    """Who is signed in, and the CSRF token for scripts (same origin only)."""
    active: sessions.ActiveSession = request.state.staff_session
    return {
        "id": principal.id,
        "username": principal.username,
        "display_name": principal.display_name,
        "role": principal.role.value,
        "place_ids": sorted(principal.place_ids),
        "csrf_token": active.csrf_token,
    }
