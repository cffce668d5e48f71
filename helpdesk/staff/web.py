"""Staff web UI: logout and the home redirect (login: ``login_web``; dashboard: analytics).

The names other staff features build on are exported here: ``current_staff`` /
``CurrentStaff``, ``require_roles``, ``csrf_protect`` / ``CsrfChecked`` and
``render_staff``. ``register(app)`` adds the routes and the error handlers.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.staff import audit, sessions
from helpdesk.staff.deps import (
    COOKIE_NAME,
    COOKIE_PATH,
    CsrfChecked,
    CurrentStaff,
    StaffAuthRequired,
    StaffForbidden,
    csrf_protect,
    current_session,
    current_staff,
    on_auth_required,
    on_forbidden,
    on_invalid_request,
    render_staff,
    require_roles,
)
from helpdesk.staff.login_web import safe_next

__all__ = [
    "CsrfChecked",
    "CurrentStaff",
    "csrf_protect",
    "current_session",
    "current_staff",
    "register",
    "render_staff",
    "require_roles",
    "safe_next",
]

BERLIN = ZoneInfo("Europe/Berlin")

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)


def register(app: FastAPI) -> None:
    """Add the staff routes (login, home, admin, places API) and error handlers."""
    from helpdesk.staff import (
        account_web,
        admin,
        admin_places,
        login_web,
        places_api,
        two_factor_web,
    )

    app.state.templates.env.filters["berlin"] = berlin_time
    app.add_exception_handler(StaffAuthRequired, on_auth_required)
    app.add_exception_handler(StaffForbidden, on_forbidden)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.include_router(login_web.router)
    app.include_router(router)
    app.include_router(account_web.router)
    app.include_router(two_factor_web.router)
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
