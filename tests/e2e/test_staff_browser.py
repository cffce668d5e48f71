"""The staff UI in headless Chromium against a real app process (no Rasa needed)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpdesk.cli import processes
from helpdesk.db import Database
from helpdesk.staff.principal import Role
from tests.e2e.conftest import free_port
from tests.keys import ENV_KEYS
from tests.staff_support import browser_login, create_staff

pytestmark = [pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@dataclass
class StaffApp:
    url: str
    database: Database


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (make test does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def staff_app(tmp_path: Path) -> Iterator[StaffApp]:
    """The app alone (Rasa absent: health says "degraded", staff pages work)."""
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'staff.db'}"
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
        # Chromium treats http://localhost as a secure context and keeps Secure cookies there.
        yield StaffApp(url=f"http://localhost:{port}", database=database)
    finally:
        database.dispose()
        processes.stop(process)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE")
    yield context.new_page()
    context.close()


def test_admin_creates_a_helper_and_logs_out(page: Page, staff_app: StaffApp) -> None:
    _, admin_password = create_staff(staff_app.database, "chefin", Role.ADMIN)
    helper_password = "helga-" + secrets.token_urlsafe(9)

    page.goto(f"{staff_app.url}/staff/admin/staff")
    expect(page).to_have_url(f"{staff_app.url}/staff/login?next=/staff/admin/staff")
    page.get_by_label("Benutzername").fill("chefin")
    page.get_by_label("Passwort").fill(admin_password)
    page.get_by_label("Passwort").press("Enter")
    expect(page.get_by_role("heading", name="Konten der Mitarbeitenden")).to_be_visible()

    page.get_by_label("Benutzername").fill("helga")
    page.get_by_label("Anzeigename").fill("Helga Hilfe")
    page.get_by_label("Rolle").select_option(label="Helfer/in")
    page.get_by_label("Erstes Passwort").fill(helper_password)
    page.get_by_label("Passwort wiederholen").fill(helper_password)
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("status")).to_have_text("Das Konto ist angelegt.")
    expect(page.get_by_role("row", name="helga")).to_contain_text("Helfer/in")

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("status")).to_have_text("Sie sind abgemeldet.")
    page.goto(f"{staff_app.url}/staff/admin/staff")
    expect(page).to_have_url(f"{staff_app.url}/staff/login?next=/staff/admin/staff")

    browser_login(page, staff_app.url, "helga", helper_password)
    me = page.request.get(f"{staff_app.url}/staff/api/me").json()
    assert me["username"] == "helga" and me["role"] == "helper"


def test_wrong_password_shows_the_german_error(page: Page, staff_app: StaffApp) -> None:
    create_staff(staff_app.database, "chefin", Role.ADMIN)
    page.goto(f"{staff_app.url}/staff/login")
    page.get_by_label("Benutzername").fill("chefin")
    page.get_by_label("Passwort").fill("das-ist-falsch!")
    page.get_by_role("button", name="Anmelden").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(
        "Benutzername oder Passwort ist falsch. Bitte versuchen Sie es noch einmal."
    )
    expect(page.get_by_label("Benutzername")).to_have_attribute("aria-describedby", "login-error")
    expect(page).to_have_title("Anmelden – DiODo")


CSP_CHECK = """
document.addEventListener('securitypolicyviolation', function (event) {
  console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI);
});
"""


def test_pages_run_under_the_content_security_policy_without_violations(
    page: Page, staff_app: StaffApp
) -> None:
    """Hardening #6: the chat, the staff pages and /docs work under the strict CSP."""
    _, password = create_staff(staff_app.database, "chefin", Role.ADMIN)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    page.add_init_script(CSP_CHECK)

    def visit(path: str, ready: str) -> None:
        response = page.goto(staff_app.url + path)
        assert response is not None and response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_selector(ready)
        page.wait_for_timeout(300)  # violation reports are queued tasks

    visit("/", "#app:not([hidden])")  # chat.js ran and opened a session
    visit("/barrierefreiheit", "h1")
    browser_login(page, staff_app.url, "chefin", password)
    visit("/staff/tickets", "h1")
    visit("/staff/dashboard", "#figures")
    visit("/staff/admin/places", "h1")
    visit("/docs", ".swagger-ui .info .title")  # Swagger UI rendered the schema
    csp = [text for text in violations if "CSP violation" in text or "Content Security" in text]
    assert csp == []

    # The check itself works: an injected inline script is reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert any("CSP violation: script-src" in text for text in violations), violations
