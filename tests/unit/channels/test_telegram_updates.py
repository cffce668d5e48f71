"""Telegram updates (built from JSON) as the hub sees them, and Bot API error mapping."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from helpdesk.channels.delivery import Outcome
from helpdesk.channels.telegram import classify_telegram_error, parse_update

BOT = Bot("123:abc")
CHAT = {"id": 42, "type": "private"}


def _update(data: dict[str, Any]) -> Update:
    return Update.de_json({"update_id": 5, **data}, BOT)


def test_text_message_keeps_its_text_and_update_id() -> None:
    update = _update({"message": {"message_id": 1, "date": 0, "chat": CHAT, "text": "Hallo"}})
    incoming = parse_update(update, max_chars=100)
    assert incoming is not None
    assert (incoming.chat_id, incoming.channel_message_id, incoming.text) == ("42", "u5", "Hallo")


def test_start_command_becomes_greet_with_privacy_notice() -> None:
    update = _update({"message": {"message_id": 1, "date": 0, "chat": CHAT, "text": "/start"}})
    incoming = parse_update(update, max_chars=100)
    assert incoming is not None and incoming.start and incoming.text == "/greet"


def test_callback_query_carries_the_button_payload() -> None:
    update = _update(
        {
            "callback_query": {
                "id": "cb1",
                "from": {"id": 42, "is_bot": False, "first_name": "E"},
                "chat_instance": "x",
                "data": "/find_place",
                "message": {"message_id": 3, "date": 0, "chat": CHAT, "text": "Menü"},
            }
        }
    )
    incoming = parse_update(update, max_chars=100)
    assert incoming is not None
    assert (incoming.text, incoming.callback_query_id) == ("/find_place", "cb1")


def test_position_reference_resolves_to_the_button_title() -> None:
    markup = {"inline_keyboard": [[{"text": "Nordstadt", "callback_data": "#0"}]]}
    update = _update(
        {
            "callback_query": {
                "id": "cb2",
                "from": {"id": 42, "is_bot": False, "first_name": "E"},
                "chat_instance": "x",
                "data": "#0",
                "message": {
                    "message_id": 3,
                    "date": 0,
                    "chat": CHAT,
                    "text": "Wo?",
                    "reply_markup": markup,
                },
            }
        }
    )
    incoming = parse_update(update, max_chars=100)
    assert incoming is not None and incoming.text == "Nordstadt"


@pytest.mark.parametrize("data", ["#²", "#9999", "#-1", "#7"])
def test_a_forged_position_reference_becomes_empty_text(data: str) -> None:
    markup = {"inline_keyboard": [[{"text": "Nordstadt", "callback_data": "#0"}]]}
    update = _update(
        {
            "callback_query": {
                "id": "cb3",
                "from": {"id": 42, "is_bot": False, "first_name": "E"},
                "chat_instance": "x",
                "data": data,
                "message": {
                    "message_id": 3,
                    "date": 0,
                    "chat": CHAT,
                    "text": "Wo?",
                    "reply_markup": markup,
                },
            }
        }
    )
    incoming = parse_update(update, max_chars=100)
    assert incoming is not None and incoming.text == ""


def test_photo_is_flagged_as_not_text() -> None:
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    update = _update({"message": {"message_id": 1, "date": 0, "chat": CHAT, "photo": photo}})
    incoming = parse_update(update, max_chars=100)
    assert incoming is not None and incoming.not_text


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Outcome.PERMANENT),
        (BadRequest("Bad Request: chat not found"), Outcome.PERMANENT),
        (TimedOut(), Outcome.RETRY),
        (NetworkError("Bad Gateway"), Outcome.RETRY),
    ],
)
def test_bot_api_errors_map_to_retry_or_permanent(exc: Exception, outcome: Outcome) -> None:
    assert classify_telegram_error(exc).outcome is outcome


def test_flood_control_retry_after_becomes_the_retry_delay() -> None:
    result = classify_telegram_error(RetryAfter(9))
    assert (result.outcome, result.retry_after) == (Outcome.RETRY, 9.0)
