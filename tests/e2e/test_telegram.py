"""Telegram end to end: fake Bot API → app (long polling) → real Rasa → sendMessage."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from helpdesk.texts import text
from tests.e2e.conftest import AppRunner
from tests.e2e.test_logs_privacy import (
    SECRET_TEXTS,
    assert_logs_clean,
    wait_until_no_contact_is_left,
)
from tests.e2e.webchat import domain_texts
from tests.fakes.telegram import TOKEN, FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e

CHAT = 5150


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def telegram_app(app_runner: AppRunner, fake_telegram: FakeTelegram) -> AppRunner:
    app_runner.start(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_telegram.base_url,
        telegram_poll_timeout_seconds="1",
    )
    return app_runner


def _wait(fake: FakeTelegram, count: int, timeout: float = 60) -> list[SentMessage]:
    deadline = time.monotonic() + timeout
    while len(fake.to(CHAT)) < count:
        assert time.monotonic() < deadline, f"expected {count} messages, got {fake.to(CHAT)}"
        time.sleep(0.1)
    time.sleep(0.3)
    return fake.to(CHAT)


def test_telegram_conversation_with_a_button_press(
    telegram_app: AppRunner, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push_text(CHAT, "/start")
    greeting = _wait(fake_telegram, 2)
    assert greeting[0].text.startswith("Datenschutz: DiODo speichert")
    assert "LÖSCHEN" in greeting[0].text
    assert greeting[1].text in domain_texts("utter_greet")

    fake_telegram.push_text(CHAT, "was kannst du")
    menu = _wait(fake_telegram, 3)[-1]
    assert menu.text in domain_texts("utter_what_can_you_do")
    assert ("Mit einem Menschen sprechen", "/request_human") in menu.buttons

    fake_telegram.press_button(
        menu, menu.buttons.index(("Mit einem Menschen sprechen", "/request_human"))
    )
    # The handoff starts: what happens next, then the question for the Stadtbezirk.
    intro, ask = _wait(fake_telegram, 5)[3:5]
    assert intro.text in domain_texts("utter_handoff_intro_request")
    assert ask.text in domain_texts("utter_ask_handoff_bezirk")
    assert fake_telegram.answered_callbacks, "the button press was not answered"


def test_a_full_telegram_run_keeps_chat_id_and_texts_out_of_every_log(
    telegram_app: AppRunner, fake_telegram: FakeTelegram
) -> None:
    chat_id = 731904562
    fake_telegram.push_text(chat_id, "/start")
    for count, body in enumerate(SECRET_TEXTS, start=3):
        fake_telegram.push_text(chat_id, body)
        deadline = time.monotonic() + 60
        while len(fake_telegram.to(chat_id)) < count:
            assert time.monotonic() < deadline, "no Telegram answer"
            time.sleep(0.2)
    fake_telegram.push_text(chat_id, "LÖSCHEN")
    deadline = time.monotonic() + 60
    while fake_telegram.to(chat_id)[-1].text != text("erase_question"):
        assert time.monotonic() < deadline, "no erase question"
        time.sleep(0.2)
    question = fake_telegram.to(chat_id)[-1]
    assert question.buttons[0] == (text("erase_yes"), "LÖSCHEN JA")
    fake_telegram.press_button(question, 0)
    while fake_telegram.to(chat_id)[-1].text != text("erase_done"):
        assert time.monotonic() < deadline, "no farewell"
        time.sleep(0.2)
    wait_until_no_contact_is_left(telegram_app)
    assert_logs_clean(
        telegram_app, ["Quirinus", "Zwetschgenbaum", "zebrafinken", "9876543", str(chat_id)]
    )
