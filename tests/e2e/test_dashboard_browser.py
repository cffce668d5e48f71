"""The organisers' dashboard in headless Chromium, against a real app process.

An organiser signs in, opens the gap view, filters to one Stadtbezirk, downloads the CSV
and finds in it exactly the figures the page shows; tickets and transcripts stay closed
to them (403). Rasa is not needed for the dashboard, so none is started.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpdesk import migrate
from helpdesk.analytics.events import Demand, record
from helpdesk.analytics.models import Outcome
from helpdesk.cli import processes
from helpdesk.db import Database
from helpdesk.places.service import seed_example_places
from helpdesk.staff.principal import Role
from tests.e2e.conftest import free_port
from tests.keys import ENV_KEYS
from tests.staff_support import browser_login, create_staff

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@dataclass
class StaffApp:
    url: str
    password: str


@pytest.fixture
def staff_app(tmp_path: Path) -> Iterator[StaffApp]:
    url = f"sqlite:///{tmp_path / 'diodo.db'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        seed_example_places(session)
        for district, n in (("Eving", 23), ("Hörde", 9), ("Mengede", 3)):
            for i in range(n):
                demand = Demand("sms", Outcome.ANSWERED, district, "fotos", "2")
                record(session, demand, ref=f"{district}-{i}", at=AT)
    _, password = create_staff(db, "orga", Role.ORGANISER)
    db.dispose()
    port = free_port()
    process = processes.start_app(
        port,
        env={
            "DIODO_DATABASE_URL": url,
            "DIODO_RASA_URL": f"http://127.0.0.1:{free_port()}",
            "DIODO_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
            "DIODO_INTERNAL_API_TOKEN": "e2e-token",
            "DIODO_PSEUDONYM_KEY": "e2e-pseudonym-key",
            "DIODO_KNOWLEDGE_SEMANTIC": "false",
            "DIODO_PLACES_SEED_EXAMPLE_DATA": "false",
            **ENV_KEYS,
        },
        log_path=tmp_path / "app.log",
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/staff/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        pytest.fail("app did not start: " + (tmp_path / "app.log").read_text(errors="replace"))
    yield StaffApp(base, password)
    processes.stop(process)


@pytest.fixture
def page(staff_app: StaffApp) -> Iterator[Page]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (make test does).")
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(locale="de-DE", accept_downloads=True)
        yield context.new_page()
        context.close()
        browser.close()


def _shown_rows(page: Page) -> list[list[str]]:
    rows = page.locator("#figures tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_organiser_filters_the_gap_view_and_downloads_what_is_shown(
    page: Page, staff_app: StaffApp, tmp_path: Path
) -> None:
    browser_login(page, staff_app.url, "orga", staff_app.password)
    page.get_by_role("link", name="Übersicht").first.click()
    page.get_by_role("link", name="Lücken").click()
    page.get_by_label("Von").fill("2026-03-01")
    page.get_by_label("Bis").fill("2026-03-31")
    page.get_by_label("Stadtbezirk", exact=True).select_option("Eving")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator("#figures tbody tr")).to_have_count(1)
    expect(page.locator("#chart")).to_have_attribute("data-drawn", "true")
    shown = _shown_rows(page)
    assert shown[0][0] == "Eving" and shown[0][2] == "23"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV (Tabelle)").click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][0] == "Stadtbezirk"
    assert rows[1] == shown[0]
    # Mengede's 3 requests are a small number: never shown as such.
    page.get_by_label("Stadtbezirk", exact=True).select_option("Mengede")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator("#figures tbody tr th")).to_have_text("Mengede")
    assert _shown_rows(page)[0][2] == "< 5"


def test_organiser_cannot_open_tickets_or_transcripts(page: Page, staff_app: StaffApp) -> None:
    browser_login(page, staff_app.url, "orga", staff_app.password)
    for path in ("/staff/tickets", "/staff/tickets/1"):
        response = page.goto(staff_app.url + path)
        assert response is not None and response.status == 403, path
        expect(page.locator("main")).to_contain_text("Kein Zugriff")
