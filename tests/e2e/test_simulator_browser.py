"""The phone simulator in headless Chromium, against the real Rasa and action server.

The app is started as ``diodo run`` starts it with ``DIODO_SIMULATOR=true``: SMS and
Telegram wired with demo credentials to the app's own stand-ins (issue 17).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpdesk.simulator.cli import demo_channel_env
from tests.e2e.a11y import check_page
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import domain_texts

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ANSWER_SECONDS = 90
MORE_HINT = "Weiter mit MEHR."


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


@pytest.fixture
def simulator_app(app_runner: AppRunner) -> AppRunner:
    demo = demo_channel_env(app_runner.url, sms_configured=False, telegram_configured=False)
    settings = {name.removeprefix("DIODO_").lower(): value for name, value in demo.items()}
    app_runner.start(simulator="true", public_url=app_runner.url, **settings)  # type: ignore[arg-type]
    return app_runner


def _bubbles(page: Page, thread: str) -> list[tuple[str, str]]:
    """(who, text) of every message in a thread: "user" (the phone) or "bot"."""
    found = page.eval_on_selector_all(
        f"#{thread} .msg",
        "els => els.map(e => [e.classList.contains('user') ? 'user' : 'bot',"
        " e.querySelector('.text').innerText.trim()])",
    )
    return [(str(who), str(text)) for who, text in found]


def _send_sms(page: Page, text: str) -> None:
    box = page.get_by_label("Ihre SMS")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def _wait_for_menu(page: Page, choice: str) -> None:
    """Until an SMS shows ``choice``; a page that ends with MEHR gets "MEHR", as a citizen
    would answer once the phone has been quiet for a moment."""
    deadline = time.monotonic() + ANSWER_SECONDS
    seen, quiet_since = 0, time.monotonic()
    while True:
        bubbles = _bubbles(page, "sms-thread")
        if any(who == "bot" and choice in text for who, text in bubbles):
            return
        if len(bubbles) != seen:
            seen, quiet_since = len(bubbles), time.monotonic()
        elif (
            bubbles[-1][0] == "bot"
            and bubbles[-1][1].endswith(MORE_HINT)
            and time.monotonic() - quiet_since > 3
        ):
            _send_sms(page, "MEHR")
        assert time.monotonic() < deadline, f"no {choice!r} in {bubbles}"
        page.wait_for_timeout(300)


def test_an_sms_conversation_with_a_numbered_menu_in_the_browser(
    simulator_app: AppRunner, page: Page
) -> None:
    page.goto(f"{simulator_app.url}/simulator")
    number = page.locator("#phone-number")
    expect(number).to_have_text(re.compile(r"^\+49 151 0000 \d{4}$"))
    check_page(page, "the phone simulator")

    _send_sms(page, "Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?")
    _wait_for_menu(page, "1 = Andere Orte")
    before = _bubbles(page, "sms-thread")
    _send_sms(page, "1")  # the digit selects "Andere Orte"

    no_more = domain_texts("utter_place_no_more")
    deadline = time.monotonic() + ANSWER_SECONDS
    while True:
        bubbles = _bubbles(page, "sms-thread")
        digit = max(i for i, (who, text) in enumerate(bubbles) if (who, text) == ("user", "1"))
        after = bubbles[digit + 1 :]
        texts = [text for who, text in after if who == "bot"]
        if any("(Beispiel)" in t or any(n in t for n in no_more) for t in texts):
            break
        assert time.monotonic() < deadline, f"no answer to the digit: {after}"
        page.wait_for_timeout(300)
    named_before = {t.split(",")[0] for w, t in before if w == "bot" and "(Beispiel)" in t}
    named_after = {t.split(",")[0] for t in texts if "(Beispiel)" in t}
    assert not named_before & named_after, (named_before, named_after)

    # The Telegram thread on the same page: the START button greets through the real bot.
    page.get_by_role("button", name="Starten").click()
    greeting = domain_texts("utter_greet")[0]
    expect(page.locator("#telegram-thread .msg.bot").filter(has_text=greeting[:40])).to_have_count(
        1, timeout=ANSWER_SECONDS * 1000
    )
    check_page(page, "the phone simulator with both threads")

    log = simulator_app.log_text()
    phone = number.inner_text().replace(" ", "")
    assert phone not in log and phone[3:] not in log and "Hörde Hilfe" not in log
