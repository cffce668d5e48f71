"""Staff sign-in against the real server process: a forged X-Forwarded-For from a local
caller changes nothing (uvicorn's own handling would have believed it), and two-factor
sign-in set up and used in Chromium."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from helpdesk.cli import processes
from helpdesk.db import Database
from helpdesk.staff import totp
from helpdesk.staff.principal import Role
from tests.e2e.conftest import free_port
from tests.keys import ENV_KEYS
from tests.staff_support import browser_login, create_staff

TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """The app alone (no Rasa), with a low address limit and no trusted proxy."""
    port = free_port()
    env = {
        "DIODO_DATABASE_URL": f"sqlite:///{tmp_path / 'staff.db'}",
        "DIODO_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "DIODO_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "DIODO_INTERNAL_API_TOKEN": secrets.token_urlsafe(16),
        "DIODO_PSEUDONYM_KEY": secrets.token_urlsafe(16),
        "DIODO_KNOWLEDGE_SEMANTIC": "false",
        "DIODO_STAFF_COOKIE_SECURE": "false",  # plain http to 127.0.0.1 in this test
        "DIODO_STAFF_LOGIN_ADDRESS_MAX_FAILURES": "5",
        **ENV_KEYS,
    }
    process = processes.start_app(port, env=env, log_path=tmp_path / "app.log")
    try:
        processes.wait_healthy(process, 120)
        yield f"http://127.0.0.1:{port}"
    finally:
        processes.stop(process)


def _attempt(client: httpx.Client, username: str, forwarded_for: str) -> int:
    form = client.get("/staff/login")
    token = TOKEN.search(form.text)
    assert token
    response = client.post(
        "/staff/login",
        data={"username": username, "password": "falsch-falsch-1", "login_token": token[1]},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def test_a_local_caller_cannot_dodge_the_address_limit_with_forwarded_for(app_url: str) -> None:
    with httpx.Client(base_url=app_url, timeout=30) as client:
        for number in range(5):
            assert _attempt(client, f"name{number}", f"10.1.0.{number}") == 401
        assert _attempt(client, "name9", "10.1.0.99") == 429


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A German Chromium page (the staff browser tests' settings)."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        pytest.fail(f"Chromium not found at {chromium}: run `make browser` (make test does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(locale="de-DE")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.browser
def test_an_admin_switches_on_two_factor_sign_in_in_the_browser(page: Any, tmp_path: Path) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'totp.db'}"
    env = {
        "DIODO_DATABASE_URL": database_url,
        "DIODO_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "DIODO_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "DIODO_INTERNAL_API_TOKEN": secrets.token_urlsafe(16),
        "DIODO_PSEUDONYM_KEY": secrets.token_urlsafe(16),
        "DIODO_KNOWLEDGE_SEMANTIC": "false",
        **ENV_KEYS,
    }
    process = processes.start_app(port, env=env, log_path=tmp_path / "app.log")
    database = Database(database_url)
    try:
        processes.wait_healthy(process, 120)
        url = f"http://localhost:{port}"
        _, password = create_staff(database, "chefin", Role.ADMIN)
        browser_login(page, url, "chefin", password)
        page.get_by_role("link", name="Mein Konto").click()
        page.get_by_role("button", name="Einrichten").click()
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        expect(page.get_by_role("link", name="In der App öffnen")).to_have_attribute(
            "href", re.compile(rf"^otpauth://totp/DiODo:chefin\?secret={secret}&")
        )
        page.get_by_label("Ihr Passwort").fill(password)
        page.get_by_label("Code aus der App").fill(_now_code(secret))
        page.get_by_role("button", name="Einschalten").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Die Anmeldung mit Code ist eingeschaltet"
        )
        page.get_by_role("button", name="Abmelden").click()

        page.goto(f"{url}/staff/login")
        page.get_by_label("Benutzername").fill("chefin")
        page.get_by_label("Passwort").fill(password)
        page.get_by_role("button", name="Anmelden").click()
        expect(page.get_by_role("heading", name="Code eingeben")).to_be_visible()
        # The code of the next 30 s step: the confirmation used the current one up.
        page.get_by_label("Code aus der App").fill(_now_code(secret, 1))
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(f"{url}/staff/tickets")
    finally:
        database.dispose()
        processes.stop(process)


def _now_code(secret: str, steps_ahead: int = 0) -> str:
    return totp.code_at(secret, totp.time_step(datetime.now(UTC)) + steps_ahead)
