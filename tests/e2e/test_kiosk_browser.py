"""The chat page on a shared kiosk PC clears itself when left idle (hardening, issue 17).

Real app, Rasa and action server; the idle time is shortened with ``?idle=`` (which can
only shorten the configured ``DIODO_KIOSK_IDLE_SECONDS``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.a11y import assert_no_serious_violations
from tests.e2e.conftest import AppRunner

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IDLE_SECONDS = 12  # the notice shows for the last 6 of them
STORAGE = "JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])"


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
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE")
    yield context.new_page()
    context.close()


def _session_id(page: Page) -> str:
    page.wait_for_function("() => (sessionStorage.getItem('diodo.webchat.v1') || '').length")
    return str(page.evaluate("JSON.parse(sessionStorage.getItem('diodo.webchat.v1')).sessionId"))


def test_idle_kiosk_chat_is_cleared_for_the_next_visitor(app: AppRunner, page: Page) -> None:
    page.goto(f"{app.url}/?kiosk=1&idle={IDLE_SECONDS}")
    box = page.get_by_label("Ihre Nachricht")
    box.fill("Hallo, hier schreibt Quirinus. Wie mache ich ein Foto mit dem Handy?")
    box.press("Enter")
    answer = page.locator("#messages .msg.bot").first
    for _ in range(120):  # a visitor waiting for the answer: still there, still typing
        if answer.is_visible():
            break
        page.keyboard.press("Shift")
        page.wait_for_timeout(500)
    expect(answer).to_be_visible()
    old_session = _session_id(page)

    # Left alone: the notice with its countdown; reloading the page does not restart
    # the clock (else the notice would come 6 s after the reload); a tap keeps the chat.
    notice = page.locator("#kiosk-notice")
    page.wait_for_timeout(4_000)
    page.reload()
    expect(page.locator("#messages")).to_contain_text("Quirinus")
    expect(notice).to_be_visible(timeout=4_000)
    expect(page.locator("#kiosk-countdown")).to_have_text(re.compile(r"Noch \d Sekunden?\."))
    expect(page.get_by_role("alert").filter(has_text="gleich gelöscht")).to_have_count(1)
    assert_no_serious_violations(page, "the kiosk notice")
    page.get_by_role("button", name="Das Gespräch wird gleich gelöscht").click()
    expect(notice).to_be_hidden()
    expect(box).to_be_focused()
    expect(page.locator("#messages")).to_contain_text("Quirinus")

    # Left alone again: cleared, on the screen and in the browser's storage.
    expect(notice).to_be_visible(timeout=IDLE_SECONDS * 1000)
    expect(page.locator("#messages")).to_be_empty(timeout=IDLE_SECONDS * 1000)
    expect(notice).to_be_hidden()
    new_session = _session_id(page)
    assert new_session != old_session
    assert "Quirinus" not in page.content()
    storage = page.evaluate(STORAGE)
    assert "Quirinus" not in storage and old_session not in storage, storage

    # The next visitor starts afresh, with the new session.
    box.fill("Hallo")
    box.press("Enter")
    expect(page.locator("#messages .msg.user")).to_have_count(1)
    expect(page.locator("#messages .msg.bot").first).to_be_visible(timeout=60_000)
    assert _session_id(page) == new_session
