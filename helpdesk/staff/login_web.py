"""The login pages: the password, then (if the account has it on) the code from the app.

Cookies, all ``HttpOnly; SameSite=Strict`` on path ``/staff/login`` only:
``diodo_staff_login`` (double-submit token of the forms), ``diodo_staff_2fa`` (the
account between password and code, signed, 5 minutes) and ``diodo_staff_device``
(device tokens: this browser has signed in to these accounts before; see ratelimit).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.privacy.crypto import Keyring
from helpdesk.settings import Settings
from helpdesk.staff import login, ratelimit
from helpdesk.staff.deps import (
    COOKIE_NAME,
    COOKIE_PATH,
    ClockDep,
    client_address_of,
    render_staff,
    session_policy,
)

LOGIN_COOKIE = "diodo_staff_login"
PENDING_COOKIE = "diodo_staff_2fa"
DEVICE_COOKIE = "diodo_staff_device"
LOGIN_COOKIE_PATH = "/staff/login"

router = APIRouter(prefix="/staff/login", tags=["staff"], include_in_schema=False)


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


def _page(
    request: Request,
    template: str,
    *,
    error: str | None,
    next_path: str,
    status_code: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render_staff(
        request,
        None,
        template,
        {
            "error": error,
            "login_token": token,
            "next_path": next_path,
            "logged_out": request.query_params.get("abgemeldet") == "1",
        },
        status_code=status_code,
    )
    _set_cookie(request, response, LOGIN_COOKIE, token)
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=LOGIN_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.staff_cookie_secure,
    )


def _form_token_ok(request: Request, login_token: str) -> bool:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    return bool(expected) and hmac.compare_digest(login_token.encode(), expected.encode())


def _attempt(request: Request, now: datetime) -> login.Attempt:
    return login.Attempt(
        address=client_address_of(request),
        device_cookie=request.cookies.get(DEVICE_COOKIE, "")[:1000],
        old_session=request.cookies.get(COOKIE_NAME, ""),
        now=now,
    )


@router.get("", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    """The German login page."""
    return _page(request, "staff/login.html", error=None, next_path=safe_next(next))


@router.post("", response_class=HTMLResponse)
async def login_password(
    request: Request,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2048)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password; then ask for the code, or start a fresh session."""
    next_path = safe_next(next)
    if not _form_token_ok(request, login_token):
        return _page(
            request, "staff/login.html", error="expired", next_path=next_path, status_code=403
        )
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    attempt = _attempt(request, clock())

    def run() -> login.LoginResult:
        with db.session() as session:
            return login.password_step(
                session,
                ratelimit.LoginLimit.from_settings(settings),
                session_policy(settings),
                attempt,
                username,
                password,
            )

    result = await run_in_threadpool(run)
    if result.outcome == "code_needed":
        response = _page(request, "staff/login_code.html", error=None, next_path=next_path)
        _set_cookie(
            request, response, PENDING_COOKIE, result.pending, max_age=login.PENDING_MINUTES * 60
        )
        return response
    return _finish(request, result, next_path, "staff/login.html")


@router.post("/code", response_class=HTMLResponse)
async def login_code(
    request: Request,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=20)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The second step: the 6-digit code from the authenticator app."""
    next_path = safe_next(next)
    pending = request.cookies.get(PENDING_COOKIE, "")[:200]
    if not _form_token_ok(request, login_token) or not pending:
        return _expired(request, next_path)
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    keys: Keyring = request.app.state.keys
    attempt = _attempt(request, clock())

    def run() -> login.LoginResult:
        with db.session() as session:
            return login.code_step(
                session,
                ratelimit.LoginLimit.from_settings(settings),
                session_policy(settings),
                keys,
                attempt,
                pending,
                code,
            )

    result = await run_in_threadpool(run)
    if result.outcome == "expired":
        return _expired(request, next_path)
    response = _finish(request, result, next_path, "staff/login_code.html")
    if result.outcome in ("signed_in", "blocked"):
        response.delete_cookie(PENDING_COOKIE, path=LOGIN_COOKIE_PATH)
    return response


def _expired(request: Request, next_path: str) -> Response:
    response = _page(
        request, "staff/login.html", error="expired", next_path=next_path, status_code=403
    )
    response.delete_cookie(PENDING_COOKIE, path=LOGIN_COOKIE_PATH)
    return response


def _finish(
    request: Request, result: login.LoginResult, next_path: str, retry_template: str
) -> Response:
    """Blocked (429, back to the password), wrong (401, same page again), or signed in."""
    if result.outcome == "blocked":
        return _page(
            request, "staff/login.html", error="blocked", next_path=next_path, status_code=429
        )
    if result.outcome != "signed_in":
        return _page(request, retry_template, error="invalid", next_path=next_path, status_code=401)
    settings: Settings = request.app.state.settings
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        result.session_id,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.staff_cookie_secure,
    )
    _set_cookie(
        request,
        response,
        DEVICE_COOKIE,
        result.device_cookie,
        max_age=ratelimit.DEVICE_TOKEN_DAYS * 24 * 3600,
    )
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_COOKIE_PATH)
    return response
