"""Accessibility of every page in headless Chromium (hardening, issue 17).

axe-core (tests/e2e/a11y.py) finds no serious or critical violation on the chat (empty,
with an answer, with places, in Leichte Sprache), /datenschutz, /barrierefreiheit, the
staff login, queue and ticket, the admin lists and forms and every dashboard view; each
of them reflows at 320 CSS px and at 1280 px with 200 % zoom without sideways scrolling
and with every control on the screen; a helper works the queue by keyboard alone.

One app process (with the shared Rasa and action server) and one browser serve the
whole module, to keep `make test` short.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy import select

from helpdesk.conversations import service as hub
from helpdesk.db import Database, utcnow
from helpdesk.places.models import Place
from helpdesk.staff.principal import Role
from helpdesk.tickets import service as tickets
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.e2e.a11y import DESKTOP, assert_no_serious_violations, check_page
from tests.e2e.conftest import AppRunner, BotStack
from tests.e2e.webchat import domain_texts
from tests.keys import keyring
from tests.staff_support import browser_login, create_staff

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BOT_TIMEOUT = 60_000
DASHBOARD_VIEWS = ("nachfrage", "ergebnisse", "unbeantwortet", "tickets", "angebot", "luecken")


@dataclass
class Desk:
    """The running app with its staff accounts and one ticket."""

    app: AppRunner
    admin_id: int
    admin_password: str
    helper_password: str
    ticket_id: int
    place_key: str


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


def _seed(app: AppRunner) -> Desk:
    database = Database(app.database_url)
    try:
        with database.read_session() as session:
            place_id, place_key = session.execute(
                select(Place.id, Place.key).where(Place.stadtbezirk == "Hörde")
            ).first() or (None, "")
        assert place_id is not None, "the example places have no place in Hörde"
        admin, admin_password = create_staff(database, "chefin", Role.ADMIN)
        _, helper_password = create_staff(database, "hanna", Role.HELPER, [place_id])
        now = utcnow()
        with database.session() as session:
            conversation = hub.get_or_create_conversation(
                session, channel="web", address="a11y-citizen-session-0001", keys=keyring("k")
            )
            for n, text in enumerate(("Hallo", "Mein Handy zeigt eine Meldung.", "MENSCH")):
                hub.receive_message(
                    session, conversation, channel_message_id=f"m{n}", text=text, keys=keyring()
                )
            opened = tickets.open_ticket(
                session,
                TicketCreate(
                    conversation.id,
                    place_id=place_id,
                    topic="handy",
                    stadtbezirk="Hörde",
                    summary="Das Handy zeigt eine Meldung, die Person versteht sie nicht.",
                ),
                now=now,
                rules=DueRules(),
            )
            tickets.add_note(session, admin, opened.ticket_id, "Bitte heute anrufen.", now=now)
    finally:
        database.dispose()
    return Desk(app, admin.id, admin_password, helper_password, opened.ticket_id, place_key)


@pytest.fixture(scope="module")
def desk(bot: BotStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("a11y")
    runner = AppRunner(bot=bot, db_path=tmp / "diodo.db", logs=tmp)
    # Plain http on 127.0.0.1 in the test: the staff cookie cannot be Secure here.
    runner.start(staff_cookie_secure="false")
    try:
        yield _seed(runner)
    finally:
        runner.stop()


def _context(browser: Browser) -> BrowserContext:
    return browser.new_context(locale="de-DE", viewport=DESKTOP)


@pytest.fixture(scope="module")
def admin_page(browser: Browser, desk: Desk) -> Iterator[Page]:
    """One signed-in admin tab for all staff pages (an admin sees every page)."""
    context = _context(browser)
    page = context.new_page()
    browser_login(page, desk.app.url, "chefin", desk.admin_password)
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = _context(browser)
    yield context.new_page()
    context.close()


def _ask(page: Page, text: str, expected: str) -> None:
    box = page.get_by_label("Ihre Nachricht")
    answered = page.locator("#messages .msg.bot").count()
    box.fill(text)
    box.press("Enter")
    bot = page.locator("#messages .msg.bot")
    expect(bot.nth(answered)).to_be_visible(timeout=BOT_TIMEOUT)
    expect(page.locator("#messages")).to_contain_text(expected, timeout=BOT_TIMEOUT)
    expect(page.locator("#typing")).to_be_empty(timeout=BOT_TIMEOUT)


def test_chat_empty_with_an_answer_with_places_and_in_leichte_sprache(
    page: Page, desk: Desk
) -> None:
    page.goto(desk.app.url + "/")
    page.wait_for_selector("#app:not([hidden])")
    check_page(page, "the empty chat")

    _ask(page, "Wie mache ich ein Foto mit dem Handy?", "Kamera")
    check_page(page, "the chat with an answer")

    _ask(page, "Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?", "(Beispiel)")
    check_page(page, "the chat with places")

    _ask(page, "schrift zu klein auf handy", "Schrift")
    _ask(page, "Einfacher bitte", domain_texts("utter_easy_language_on")[0][:30])
    check_page(page, "the chat in Leichte Sprache")


@pytest.mark.parametrize("path", ["/datenschutz", "/barrierefreiheit"])
def test_public_pages(page: Page, desk: Desk, path: str) -> None:
    page.goto(desk.app.url + path)
    check_page(page, path)


def test_staff_login_empty_and_with_an_error(page: Page, desk: Desk) -> None:
    page.goto(desk.app.url + "/staff/login")
    check_page(page, "the login page")
    page.get_by_label("Benutzername").fill("chefin")
    page.get_by_label("Passwort").fill("falsch-falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "the login page with an error")


STAFF_PAGES = [
    "/staff/tickets",
    "/staff/tickets/{ticket_id}",
    "/staff/admin/staff",
    "/staff/admin/staff/{admin_id}",
    "/staff/admin/places",
    "/staff/admin/places/{place_key}",
    "/staff/admin/audit",
    "/staff/account",
    "/staff/password",
    *(f"/staff/dashboard/{view}" for view in DASHBOARD_VIEWS),
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages(admin_page: Page, desk: Desk, path: str) -> None:
    url = desk.app.url + path.format(
        ticket_id=desk.ticket_id, admin_id=desk.admin_id, place_key=desk.place_key
    )
    response = admin_page.goto(url)
    assert response is not None and response.status == 200, path
    admin_page.wait_for_load_state("load")
    check_page(admin_page, path)


def test_admin_form_with_errors(admin_page: Page, desk: Desk) -> None:
    admin_page.goto(desk.app.url + "/staff/admin/staff")
    admin_page.get_by_label("Benutzername").fill("neu")
    admin_page.get_by_label("Erstes Passwort").fill("ein-langes-passwort-1")
    admin_page.get_by_label("Passwort wiederholen").fill("ein-anderes-passwort-2")
    admin_page.get_by_role("button", name="Konto anlegen").click()
    expect(admin_page.get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(admin_page, "the account form with an error")


FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return ring || style.boxShadow !== 'none';
}"""


def _tab_to(page: Page, matches: str, limit: int = 60) -> list[str]:
    """Press Tab until the focused element matches the JS predicate; every stop on the way
    must show where the focus is. Returns the stops."""
    stops: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            "() => { const el = document.activeElement;"
            " return el.tagName + ' ' + (el.innerText || el.id || el.name || '').slice(0, 40); }"
        )
        stops.append(stop)
        assert page.evaluate(FOCUS_SHOWN), f"no visible focus on {stop}"
        if page.evaluate(f"() => {{ const el = document.activeElement; return {matches}; }}"):
            return stops
    raise AssertionError(f"not reached by Tab: {matches}; stops: {stops}")


def test_helper_works_the_queue_by_keyboard_alone(page: Page, desk: Desk) -> None:
    page.goto(desk.app.url + "/staff/login")
    expect(page.get_by_label("Benutzername")).to_be_focused()  # autofocus
    page.keyboard.type("hanna")
    page.keyboard.press("Tab")
    page.keyboard.type(desk.helper_password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/tickets**")

    _tab_to(page, f"el.getAttribute('href') === '/staff/tickets/{desk.ticket_id}'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/tickets/{desk.ticket_id}")

    _tab_to(page, "el.id === 'reply-text'")
    page.keyboard.type("Guten Tag, ich rufe Sie heute an.")
    _tab_to(page, "el.tagName === 'BUTTON' && el.innerText.trim() === 'Antwort senden'", 3)
    page.keyboard.press("Enter")
    expect(page.locator("#thread")).to_contain_text("ich rufe Sie heute an", timeout=15_000)
    assert page.url.endswith(f"/staff/tickets/{desk.ticket_id}")
