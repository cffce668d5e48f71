"""The simulator's service: demo numbers, screens, the Telegram queue, and its guard rails."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Bot, Update

from helpdesk.channels.render import sms_segments
from helpdesk.channels.telegram import parse_update
from helpdesk.settings import Settings
from helpdesk.simulator.cli import demo_channel_env, run_env
from helpdesk.simulator.service import (
    SMS_API_PATH,
    TELEGRAM_API_PATH,
    SimulatorRefused,
    SimulatorStore,
    UnknownButton,
    check_allowed,
    wired_to_simulator,
)

BOT = Bot("123:abc")
DEMO_NUMBER = re.compile(r"^\+491510000\d{4}$")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_every_phone_gets_its_own_number_of_the_demo_range() -> None:
    store = SimulatorStore()
    phones = [store.new_phone() for _ in range(50)]
    assert all(DEMO_NUMBER.match(phone.number) for phone in phones)
    assert len({phone.number for phone in phones}) == 50
    assert len({phone.chat_id for phone in phones}) == 50
    assert len({phone.key for phone in phones}) == 50
    assert store.phone(phones[3].key) is phones[3]
    assert store.by_number(phones[4].number) is phones[4]
    assert store.by_chat(phones[5].chat_id) is phones[5]
    assert store.phone("not-a-key") is None and store.by_number("+4915112345678") is None


def test_the_longest_unused_phone_makes_room_when_the_store_is_full() -> None:
    clock = Clock()
    store = SimulatorStore(max_phones=2, clock=clock)
    first = store.new_phone()
    clock.now += 1
    second = store.new_phone()
    clock.now += 1
    store.phone(first.key)  # used again: the second is now the oldest
    third = store.new_phone()
    assert store.phone(second.key) is None
    assert store.phone(first.key) is first and store.phone(third.key) is third


def test_a_screen_keeps_its_newest_messages_and_counts_sms_segments() -> None:
    store = SimulatorStore(max_messages=3)
    phone = store.new_phone()
    for n in range(5):
        store.add(phone, "sms", f"Nachricht {n}", from_phone=n % 2 == 0)
    assert [m.text for m in phone.messages] == ["Nachricht 2", "Nachricht 3", "Nachricht 4"]
    cursor = phone.messages[0].id
    assert [m.text for m in store.messages_after(phone, cursor)] == ["Nachricht 3", "Nachricht 4"]
    long_text = "Wort " * 60
    message = store.add(phone, "sms", long_text, from_phone=False, ref="SM1", sender="+49231")
    assert message.segments == sms_segments(long_text) == 2
    assert store.add(phone, "telegram", long_text, from_phone=False).segments == 1


def test_the_message_list_is_filtered_like_twilios() -> None:
    store = SimulatorStore()
    anna, bert = store.new_phone(), store.new_phone()
    store.add(anna, "sms", "an Anna", from_phone=False, ref="SM1", sender="+49231")
    store.add(anna, "sms", "von Anna", from_phone=True)
    store.add(bert, "sms", "an Bert", from_phone=False, ref="SM2", sender="+49231")
    store.add(anna, "telegram", "Telegram", from_phone=False)
    assert [m.ref for _, m in store.sent_sms(to=anna.number, sender="+49231")] == ["SM1"]
    assert [(to, m.ref) for to, m in store.sent_sms(to=None, sender=None)] == [
        (bert.number, "SM2"),
        (anna.number, "SM1"),
    ]
    assert store.sent_sms(to=anna.number, sender="+49999") == []


def test_typed_text_and_a_pressed_button_parse_as_real_updates() -> None:
    store = SimulatorStore()
    phone = store.new_phone()
    text = store.text_update(phone, "Hallo")
    incoming = parse_update(Update.de_json(text, BOT), max_chars=100)
    assert incoming is not None
    assert (incoming.chat_id, incoming.text) == (str(phone.chat_id), "Hallo")
    buttons = (("Ort finden", "/find_place"), ("Mensch", "#1"))
    store.add(phone, "telegram", "Was möchten Sie?", from_phone=False, buttons=buttons, ref="7")
    pressed = store.button_update(phone, "7", 0)
    incoming = parse_update(Update.de_json(pressed, BOT), max_chars=100)
    assert incoming is not None and incoming.text == "/find_place"
    assert incoming.callback_query_id
    # A payload too long for callback_data ("#index") is resolved to the button's title.
    long_payload = parse_update(
        Update.de_json(store.button_update(phone, "7", 1), BOT), max_chars=100
    )
    assert long_payload is not None and long_payload.text == "Mensch"
    assert [m.text for m in phone.messages if m.from_phone] == ["Hallo", "Ort finden", "Mensch"]
    with pytest.raises(UnknownButton):
        store.button_update(phone, "7", 5)
    with pytest.raises(UnknownButton):
        store.button_update(phone, "8", 0)


async def test_get_updates_waits_for_an_update_and_drops_confirmed_ones() -> None:
    store = SimulatorStore()
    phone = store.new_phone()
    waiting = asyncio.create_task(store.get_updates(0, timeout=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    first = store.text_update(phone, "eins")
    assert [u["update_id"] for u in await asyncio.wait_for(waiting, 1)] == [first["update_id"]]
    second = store.text_update(phone, "zwei")
    after = await store.get_updates(first["update_id"] + 1, timeout=0)
    assert [u["update_id"] for u in after] == [second["update_id"]]
    assert await store.get_updates(second["update_id"] + 1, timeout=0.05) == []


async def test_a_waiting_screen_wakes_when_a_message_arrives() -> None:
    store = SimulatorStore()
    phone = store.new_phone()
    waiting = asyncio.create_task(store.wait_for_messages(phone, 0, timeout=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    store.add(phone, "sms", "Antwort", from_phone=False)
    await asyncio.wait_for(waiting, 1)
    await asyncio.wait_for(store.wait_for_messages(phone, phone.messages[-1].id, 0.05), 1)


def test_the_simulator_is_refused_in_production_only() -> None:
    with pytest.raises(SimulatorRefused, match=r"DIODO_SIMULATOR.*DIODO_ENV=production"):
        check_allowed(enabled=True, env="production")
    check_allowed(enabled=True, env="demo")
    check_allowed(enabled=True, env="development")
    check_allowed(enabled=False, env="production")


@pytest.mark.parametrize(
    ("url", "path", "wired"),
    [
        ("http://127.0.0.1:8000/simulator/twilio", SMS_API_PATH, True),
        ("http://localhost:8000/simulator/twilio/", SMS_API_PATH, True),
        ("http://127.0.0.1:8000/simulator/telegram/bot", TELEGRAM_API_PATH, True),
        ("", SMS_API_PATH, False),  # Twilio's own API
        ("https://api.telegram.org/bot", TELEGRAM_API_PATH, False),
        ("https://example.org/simulator/twilio", SMS_API_PATH, False),
        ("http://127.0.0.1:8000/simulator/twilio", TELEGRAM_API_PATH, False),
    ],
)
def test_only_the_apps_own_stand_ins_count_as_wired(url: str, path: str, wired: bool) -> None:
    assert wired_to_simulator(url, path) is wired


def test_diodo_run_wires_only_unconfigured_channels_with_fresh_demo_credentials() -> None:
    env = demo_channel_env("http://127.0.0.1:8000", sms_configured=False, telegram_configured=False)
    assert env["DIODO_TWILIO_API_BASE_URL"] == "http://127.0.0.1:8000/simulator/twilio"
    assert env["DIODO_TELEGRAM_API_BASE_URL"] == "http://127.0.0.1:8000/simulator/telegram/bot"
    assert re.fullmatch(r"AC[0-9a-f]{32}", env["DIODO_TWILIO_ACCOUNT_SID"])
    assert env["DIODO_TWILIO_AUTH_TOKEN"] and env["DIODO_TELEGRAM_WEBHOOK_SECRET"] == ""
    again = demo_channel_env(
        "http://127.0.0.1:8000", sms_configured=False, telegram_configured=False
    )
    assert again["DIODO_TWILIO_AUTH_TOKEN"] != env["DIODO_TWILIO_AUTH_TOKEN"]
    assert again["DIODO_TELEGRAM_BOT_TOKEN"] != env["DIODO_TELEGRAM_BOT_TOKEN"]
    real = demo_channel_env("http://127.0.0.1:8000", sms_configured=True, telegram_configured=True)
    assert real == {}


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


def test_run_env_is_empty_when_off_and_refuses_production() -> None:
    assert run_env(_settings(simulator=False), "http://127.0.0.1:8000") == {}
    unconfigured = _settings(
        simulator=True, twilio_account_sid="", telegram_bot_token=SecretStr("")
    )
    on = run_env(unconfigured, "http://127.0.0.1:8000")
    assert "DIODO_TWILIO_API_BASE_URL" in on
    with pytest.raises(SimulatorRefused):
        run_env(_settings(simulator=True, env="production"), "http://127.0.0.1:8000")
