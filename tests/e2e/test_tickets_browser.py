"""The help desk end to end in headless Chromium, with the real Rasa and action server:
a citizen asks for a person in the web chat and agrees, the ticket appears in the
helper's queue without a reload, the helper answers, the answer reaches the chat, the
bot stays quiet while the ticket is open, the helper solves it, and the bot answers again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from helpdesk.conversations import service as hub
from helpdesk.db import Database, utcnow
from helpdesk.places.models import Place
from helpdesk.staff.principal import Role
from helpdesk.texts import text
from helpdesk.tickets import service as tickets
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.e2e.conftest import AppRunner
from tests.keys import keyring
from tests.staff_support import browser_login, create_staff

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
XSS = "<script>alert(1)</script>"
BOT_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (make test does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def desk(app_runner: AppRunner) -> AppRunner:
    # Plain http on 127.0.0.1 in the test: the staff cookie cannot be Secure here.
    app_runner.start(staff_cookie_secure="false")
    return app_runner


def _helper_of_hoerde(app: AppRunner) -> str:
    database = Database(app.database_url)
    try:
        with database.read_session() as session:
            places = session.scalars(select(Place.id).where(Place.stadtbezirk == "Hörde")).all()
        assert places, "the example places have no place in Hörde"
        _, password = create_staff(database, "hanna", Role.HELPER, places)
    finally:
        database.dispose()
    return password


def _no_dialogs(page: Page, seen: list[str]) -> None:
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))


def test_handoff_reply_pause_and_hand_back(browser: Browser, desk: AppRunner) -> None:
    password = _helper_of_hoerde(desk)
    dialogs: list[str] = []
    staff_context = browser.new_context(locale="de-DE")
    citizen_context = browser.new_context(locale="de-DE")
    try:
        staff = staff_context.new_page()
        _no_dialogs(staff, dialogs)
        browser_login(staff, desk.url, "hanna", password)
        staff.goto(desk.url + "/staff/tickets")
        expect(staff.locator("#ticket-rows")).to_contain_text("Keine Anfragen")
        staff.evaluate("window.__notReloaded = true")

        citizen = citizen_context.new_page()
        _no_dialogs(citizen, dialogs)
        citizen.goto(desk.url + "/")
        box = citizen.get_by_label("Ihre Nachricht")
        bot = citizen.locator("#messages .msg.bot")
        box.fill("Ich möchte mit einem Menschen sprechen")
        box.press("Enter")
        citizen.get_by_role("button", name="Hörde").last.click(timeout=BOT_TIMEOUT)
        expect(bot.last).to_contain_text("Sind Sie einverstanden?", timeout=BOT_TIMEOUT)
        expect(bot.last).to_contain_text("Uhr")
        citizen.get_by_role("button", name="Ja").last.click()
        expect(bot.last).to_contain_text("Ihre Anfrage ist weitergegeben", timeout=BOT_TIMEOUT)

        # The queue updates by itself: no reload (the marker survives).
        link = staff.locator("#ticket-rows a").first
        expect(link).to_be_visible(timeout=30_000)
        assert staff.evaluate("window.__notReloaded === true")

        # While the ticket is open, the bot stays quiet; the text reaches the ticket.
        answered = bot.count()
        box.fill(XSS)
        box.press("Enter")
        link.click()
        thread = staff.locator("#thread")
        for _ in range(20):
            if XSS in thread.inner_text():
                break
            staff.wait_for_timeout(500)
            staff.reload()
        expect(thread).to_contain_text(XSS)
        expect(staff.locator("#transcript")).to_contain_text("mit einem Menschen sprechen")
        assert bot.count() == answered, bot.all_inner_texts()

        staff.get_by_label("Ihre Antwort an die Bürgerin / den Bürger").fill(
            "Guten Tag, hier ist Hanna von der Bibliothek."
        )
        staff.get_by_role("button", name="Antwort senden").click()
        expect(bot.last).to_contain_text("hier ist Hanna", timeout=30_000)

        staff.get_by_label("Status").select_option("geloest")
        staff.get_by_role("button", name="Status ändern").click()
        resolved = text("ticket_resolved").split(".")[0]
        expect(bot.last).to_contain_text(resolved, timeout=30_000)

        box.fill("Wie mache ich ein Foto mit dem Handy?")
        box.press("Enter")
        # The bot answers again: an article, then its follow-up question.
        expect(bot.filter(has_text="Kamera")).to_have_count(1, timeout=BOT_TIMEOUT)
        assert dialogs == []
    finally:
        staff_context.close()
        citizen_context.close()


def test_the_queue_shows_at_least_15_tickets_on_one_screen(
    browser: Browser, desk: AppRunner
) -> None:
    """Hardening finding 14: about two tickets fitted a 1280 x 900 screen, because the
    summary wrapped. One line per ticket; the full summary on focus and as a tooltip."""
    database = Database(desk.database_url)
    try:
        with database.session() as session:
            place = session.scalars(select(Place.id).where(Place.stadtbezirk == "Hörde")).first()
            for n in range(20):
                conversation = hub.get_or_create_conversation(
                    session, channel="web", address=f"queue-{n}", keys=keyring("k")
                )
                tickets.open_ticket(
                    session,
                    TicketCreate(
                        conversation.id,
                        place_id=place,
                        summary=f"Anfrage {n}: " + "Mein Handy zeigt eine lange Meldung. " * 6,
                    ),
                    now=utcnow(),
                    rules=DueRules(),
                )
        _, password = create_staff(database, "koordina", Role.COORDINATOR)
    finally:
        database.dispose()
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    browser_login(page, desk.url, "koordina", password)
    page.goto(desk.url + "/staff/tickets")
    rows = page.locator("#ticket-rows tr")
    visible = [
        box
        for box in (rows.nth(i).bounding_box() for i in range(rows.count()))
        if box is not None and box["y"] + box["height"] <= 900
    ]
    assert len(visible) >= 15, len(visible)
    summary = page.locator("#ticket-rows td.summary").first
    assert "Mein Handy zeigt eine lange Meldung." in (summary.get_attribute("title") or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    table = "document.getElementById('ticket-table')"
    fits = f"(t => t.scrollWidth <= t.parentElement.clientWidth)({table})"
    assert page.evaluate(fits), "the queue needs sideways scrolling"
    context.close()
