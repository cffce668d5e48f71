"""The chat page in headless Chromium, against the real app, Rasa and action server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpdesk.texts import text as citizen_text
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import domain_texts

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


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
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, app: AppRunner) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(app.url + "/")
    yield page
    context.close()


def test_citizen_asks_a_question_by_keyboard_and_reads_the_answer(page: Page) -> None:
    box = page.get_by_label("Ihre Nachricht")
    box.fill("Hallo, wie mache ich ein Foto mit dem Handy?")
    box.press("Enter")
    log = page.get_by_role("log", name="Gespräch")
    expect(log.locator(".msg.user")).to_have_count(1)
    expect(log.locator(".msg.bot").first).to_contain_text("Kamera", timeout=60_000)
    expect(box).to_be_focused()
    expect(box).to_have_value("")


def test_reply_buttons_send_their_choice(page: Page) -> None:
    box = page.get_by_label("Ihre Nachricht")
    box.fill("was kannst du alles")
    box.press("Enter")
    choices = page.locator("#messages .choice")
    expect(choices.first).to_be_visible(timeout=60_000)
    place_button = page.get_by_role("button", name="Einen Ort in der Nähe finden").first
    if place_button.count() == 0:
        place_button = choices.first
    title = place_button.inner_text().strip()
    place_button.click()
    expect(page.locator("#messages .msg.user").last).to_contain_text(title)
    asked = domain_texts("utter_ask_stadtbezirk")
    expect(page.locator("#messages .msg.bot").last).to_contain_text(
        asked[0].split("\n")[0][:30], timeout=60_000
    )


def test_new_conversation_clears_the_screen(page: Page) -> None:
    box = page.get_by_label("Ihre Nachricht")
    box.fill("Hallo")
    box.press("Enter")
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=60_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#new-conversation").click()
    expect(page.locator("#messages .msg.user")).to_have_count(0)
    expect(box).to_be_visible()


def test_loeschen_confirmed_by_button_erases_and_clears_the_screen(page: Page) -> None:
    box = page.get_by_label("Ihre Nachricht")
    box.fill("Hallo, hier schreibt Quirinus")
    box.press("Enter")
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=60_000)
    box.fill("LÖSCHEN")
    box.press("Enter")
    yes = page.locator("#messages .choice", has_text=citizen_text("erase_yes"))
    expect(yes).to_be_visible(timeout=60_000)
    yes.click()
    messages = page.locator("#messages")
    expect(messages).to_contain_text(citizen_text("erase_done"), timeout=30_000)
    expect(messages).not_to_contain_text("Quirinus")  # the transcript is gone from the kiosk
    expect(page.locator("#messages .msg.user")).to_have_count(0)


def test_on_a_kiosk_screen_the_conversation_gets_most_of_the_height(
    browser: Browser, app: AppRunner
) -> None:
    """Hardening finding 13: at 1100 x 900 the header with the privacy notice took about
    40 % of the screen; the conversation must keep at least 60 %, and the notice stays."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(app.url + "/")
    page.wait_for_selector("#app:not([hidden])")
    box = page.locator("#messages").bounding_box()
    assert box is not None and box["height"] >= 0.6 * 900, box
    notice = page.locator("#privacy-notice")
    assert notice.is_visible() and "LÖSCHEN" in notice.inner_text()
    assert page.evaluate("document.documentElement.scrollHeight") <= 900  # nothing hidden
    context.close()


def test_messages_sent_too_fast_show_the_polite_limit_text_and_can_be_sent_again(
    browser: Browser, app_runner: AppRunner
) -> None:
    """Hardening finding 3: a 429 is shown to the citizen, not swallowed."""
    app_runner.start(webchat_message_burst="1", webchat_message_interval_seconds="4")
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(app_runner.url + "/")
    box = page.get_by_label("Ihre Nachricht")
    box.fill("Hallo")
    box.press("Enter")
    box.fill("Wie mache ich ein Foto?")
    box.press("Enter")
    notice = page.locator("#notice")
    expect(notice).to_contain_text(citizen_text("limit_web_messages"), timeout=30_000)
    expect(page.locator("#messages .msg.user.failed")).to_have_count(1)
    page.wait_for_timeout(4_500)  # the session's next message is allowed again
    page.get_by_role("button", name="Nochmal senden").click()
    expect(page.locator("#messages .msg.user.failed")).to_have_count(0)
    expect(page.locator("#messages .msg.bot", has_text="Kamera").first).to_be_visible(
        timeout=60_000
    )
    context.close()
