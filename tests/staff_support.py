"""Test helpers for the staff UI: accounts, sign-in through the real login form."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from fastapi.testclient import TestClient

from helpdesk.db import Database
from helpdesk.staff import accounts
from helpdesk.staff.principal import Role, StaffPrincipal

_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


def create_staff(
    database: Database,
    username: str,
    role: Role,
    place_ids: Iterable[int] = (),
    password: str | None = None,
) -> tuple[StaffPrincipal, str]:
    """Create an account; returns its principal and the password used."""
    password = password or "pw-" + secrets.token_urlsafe(12)
    with database.session() as session:
        principal = accounts.create_account(
            session, username, password, role, display_name=username.title(), place_ids=place_ids
        )
    return principal, password


def login(client: TestClient, username: str, password: str) -> str:
    """Sign in through the login form; returns the session's CSRF token.

    The client must use an https base URL (``TestClient(app, base_url="https://testserver")``):
    the session cookie is ``Secure`` and httpx does not send it over http.
    """
    form = client.get("/staff/login")
    assert form.status_code == 200, form.text
    match = _LOGIN_TOKEN.search(form.text)
    assert match, "login form without login_token"
    response = client.post(
        "/staff/login",
        data={"username": username, "password": password, "login_token": match.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, f"login failed: {response.status_code}"
    me = client.get("/staff/api/me")
    assert me.status_code == 200, me.text
    return str(me.json()["csrf_token"])


def post_login(client: TestClient, username: str, password: str, next_path: str = "") -> Any:
    """One attempt through the login form; returns the response (no redirect followed)."""
    form = client.get("/staff/login")
    match = _LOGIN_TOKEN.search(form.text)
    assert match, "login form without login_token"
    return client.post(
        "/staff/login",
        data={
            "username": username,
            "password": password,
            "login_token": match.group(1),
            "next": next_path,
        },
        follow_redirects=False,
    )


def post_code(client: TestClient, code_page: str, code: str) -> Any:
    """The second login step: the code from the app, sent from the code page's form."""
    match = _LOGIN_TOKEN.search(code_page)
    assert match, "code page without login_token"
    return client.post(
        "/staff/login/code",
        data={"code": code, "login_token": match.group(1)},
        follow_redirects=False,
    )


def browser_login(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the login page in a Playwright ``Page``."""
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda url: "/staff/login" not in url)
