"""FastAPI dependencies of the staff UI: who is signed in, roles, CSRF, rendering.

Every staff route depends on ``current_session`` (directly or through ``current_staff``
or ``require_roles``). It refuses anonymous requests and, for unsafe methods, requests
without the session's CSRF token: a staff route cannot forget either check.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database, utcnow
from helpdesk.settings import Settings
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.staff.sessions import ActiveSession, SessionPolicy, load_session, touch_session
from helpdesk.web.client_address import client_address, parse_trusted_proxies

COOKIE_NAME = "diodo_staff"
COOKIE_PATH = "/staff"
LOGIN_PATH = "/staff/login"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Staff pages are never cached. The CSP, framing and referrer headers of every response
# (staff pages included) come from helpdesk.web.security.SecurityHeaders.
PAGE_HEADERS = {"Cache-Control": "no-store"}


class StaffAuthRequired(Exception):
    """No valid session: HTML gets a redirect to the login page, JSON a 401."""


class StaffForbidden(Exception):
    """Signed in, but not allowed (``reason``: ``role`` or ``csrf``): 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def get_clock() -> Callable[[], datetime]:
    """The staff clock; tests override this dependency to move time."""
    return utcnow


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=settings.staff_session_idle_minutes),
        absolute=timedelta(hours=settings.staff_session_absolute_hours),
    )


def client_address_of(request: Request) -> str:
    """The browser's address: ``X-Forwarded-For`` counts only from ``DIODO_TRUSTED_PROXIES``."""
    settings: Settings = request.app.state.settings
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        parse_trusted_proxies(settings.trusted_proxies),
    )


def wants_json(request: Request) -> bool:
    """JSON API paths, JSON clients and event streams get status codes, not pages."""
    accept = request.headers.get("accept", "")
    return (
        request.url.path.startswith("/staff/api/")
        or "application/json" in accept
        or "text/event-stream" in accept
    )


async def current_session(request: Request, clock: ClockDep) -> ActiveSession:
    """The signed-in session; refuses anonymous requests and unsafe ones without CSRF.

    The session is read from the database on every request (one indexed join) and kept
    only for the rest of that request (``request.state``), never across requests: a
    deactivated account, a changed role or a logout in any app process counts at once.
    """
    cached: ActiveSession | None = getattr(request.state, "staff_session", None)
    if cached is None:
        cached = await run_in_threadpool(_load, request, clock())
        if cached is None:
            raise StaffAuthRequired()
        request.state.staff_session = cached
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, cached.csrf_token)
    return cached


def _load(request: Request, now: datetime) -> ActiveSession | None:
    session_id = request.cookies.get(COOKIE_NAME, "")
    if not session_id:
        return None
    db: Database = request.app.state.db
    policy = session_policy(request.app.state.settings)
    with db.read_session() as session:
        active = load_session(session, session_id, policy, now)
    if active is not None and active.needs_touch:
        with db.session() as session:
            touch_session(session, active.id_hash, now)
    return active


async def session_still_valid(request: Request, now: datetime) -> bool:
    """Read the request's session from the database again, for responses that last (event
    streams): False once it was ended, expired or the account deactivated. Does not
    count as activity (the idle timeout is not reset)."""
    session_id = request.cookies.get(COOKIE_NAME, "")
    db: Database = request.app.state.db
    policy = session_policy(request.app.state.settings)

    def load() -> bool:
        with db.read_session() as session:
            return load_session(session, session_id, policy, now) is not None

    return await run_in_threadpool(load)


async def _check_csrf(request: Request, expected: str) -> None:
    given = request.headers.get(CSRF_HEADER, "")
    content_type = request.headers.get("content-type", "")
    if not given and (
        content_type.startswith("application/x-www-form-urlencoded")
        or content_type.startswith("multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        given = value if isinstance(value, str) else ""
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise StaffForbidden("csrf")


SessionDep = Annotated[ActiveSession, Depends(current_session)]


async def current_staff(active: SessionDep) -> StaffPrincipal:
    """The signed-in staff member (see ``current_session`` for what is refused)."""
    return active.principal


CurrentStaff = Annotated[StaffPrincipal, Depends(current_staff)]


async def csrf_protect(request: Request, active: SessionDep) -> None:
    """Explicit CSRF check for unsafe methods (``current_session`` already does it)."""
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, active.csrf_token)


CsrfChecked = Annotated[None, Depends(csrf_protect)]


def require_roles(*roles: Role) -> Callable[..., Any]:
    """A dependency returning the principal if their role is one of ``roles``, else 403."""
    allowed = frozenset(roles)

    async def dependency(principal: CurrentStaff) -> StaffPrincipal:
        if principal.role not in allowed:
            raise StaffForbidden("role")
        return principal

    return dependency


def render_staff(
    request: Request,
    principal: StaffPrincipal | None,
    template_name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a staff template with ``principal``, ``csrf_token`` and the navigation."""
    active: ActiveSession | None = getattr(request.state, "staff_session", None)
    values: dict[str, Any] = {
        "principal": principal,
        "csrf_token": active.csrf_token if active is not None else "",
        "current_path": request.url.path,
        "Role": Role,
    }
    values.update(context or {})
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template_name, values, status_code=status_code
    )
    response.headers.update(PAGE_HEADERS)
    return response


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='/')}", status_code=303)


async def on_auth_required(request: Request, _exc: Exception) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"detail": "Nicht angemeldet."},
            status_code=401,
            headers={"WWW-Authenticate": 'Cookie realm="staff"'},
        )
    return login_redirect(request)


async def on_forbidden(request: Request, exc: Exception) -> Response:
    reason = exc.reason if isinstance(exc, StaffForbidden) else "role"
    if wants_json(request):
        return JSONResponse({"detail": "Kein Zugriff.", "reason": reason}, status_code=403)
    active: ActiveSession | None = getattr(request.state, "staff_session", None)
    return render_staff(
        request,
        active.principal if active is not None else None,
        "staff/forbidden.html",
        {"reason": reason},
        status_code=403,
    )


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    """A staff page's form or query that FastAPI cannot read (a missing field, a choice
    that does not exist): a German page with 422 for the browser. JSON clients and every
    other path keep FastAPI's JSON answer."""
    if not request.url.path.startswith("/staff/") or wants_json(request):
        assert isinstance(exc, RequestValidationError)
        return await request_validation_exception_handler(request, exc)
    active: ActiveSession | None = getattr(request.state, "staff_session", None)
    principal = active.principal if active is not None else None
    return render_staff(request, principal, "staff/invalid.html", status_code=422)
