"""Telegram with python-telegram-bot against the fake Bot API (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from telegram import Update

from helpdesk.channels.delivery import Outcome
from helpdesk.channels.telegram import TelegramChannel
from helpdesk.conversations import service
from helpdesk.conversations.models import (
    Channel,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
)
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import OutboundClaim, add_system_reply
from helpdesk.db import Database, utcnow
from helpdesk.privacy.notice import short_notice
from helpdesk.settings import Settings
from helpdesk.texts import text
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.keys import KEYS, SETTINGS_KEYS

CHAT = 4242


@pytest.fixture
async def channel(db: Database, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    settings = Settings(
        pseudonym_key=SecretStr("k"),
        **SETTINGS_KEYS,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=fake_telegram.base_url,
        telegram_poll_timeout_seconds=1,
        telegram_timeout_seconds=1,
    )
    channel = TelegramChannel(db, Notifier(), settings, KEYS)
    yield channel
    await channel.stop()


def _inbound(db: Database) -> list[tuple[str, str, str]]:
    with db.read_session() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        return [(m.channel_message_id, m.text, m.status) for m in rows]


def _outbound_texts(db: Database, *, with_notice: bool = False) -> list[str]:
    """Queued texts; the privacy notice of the first contact only if asked for."""
    with db.read_session() as session:
        texts = session.scalars(select(OutboundMessage.text).order_by(OutboundMessage.id))
        return [t for t in texts if with_notice or not t.startswith("Datenschutz: DiODo")]


async def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_polled_messages_are_stored_then_confirmed(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    first = fake_telegram.push_text(CHAT, "Wie mache ich ein Foto?")
    fake_telegram.push_text(CHAT, "Danke")
    await channel.start()
    await _wait_for(lambda: len(_inbound(db)) == 2)
    assert _inbound(db) == [
        (f"u{first}", "Wie mache ich ein Foto?", InboundStatus.PENDING),
        (f"u{first + 1}", "Danke", InboundStatus.PENDING),
    ]
    await _wait_for(lambda: fake_telegram.pending_updates() == 0)
    assert "deleteWebhook" in fake_telegram.calls


async def test_start_queues_the_privacy_notice_and_asks_rasa_to_greet(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push_text(CHAT, "/start")
    await channel.start()
    await _wait_for(lambda: len(_inbound(db)) == 1)
    assert _inbound(db)[0][1] == "/greet"
    assert _outbound_texts(db, with_notice=True) == [
        short_notice(Settings(**SETTINGS_KEYS), "telegram")
    ]


async def test_first_message_without_start_gets_the_privacy_notice_once(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push_text(CHAT, "Hallo")
    fake_telegram.push_text(CHAT, "Wie geht WLAN?")
    await channel.start()
    await _wait_for(lambda: len(_inbound(db)) == 2)
    assert _outbound_texts(db, with_notice=True) == [
        short_notice(Settings(**SETTINGS_KEYS), "telegram")
    ]


async def test_same_update_delivered_five_times_is_stored_once(
    db: Database, channel: TelegramChannel
) -> None:
    raw = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": CHAT, "type": "private"},
            "text": "Hallo",
        },
    }
    for _ in range(5):
        await channel.handle([Update.de_json(raw, channel.bot)])
    assert _inbound(db) == [("u77", "Hallo", InboundStatus.PENDING)]


async def test_button_press_sends_the_payload_and_answers_the_callback(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    await channel.bot.initialize()
    claim = _queue(db, "Wobei kann ich helfen?", [("Ort finden", "/find_place")])
    assert (await channel.sender().send(claim)).outcome is Outcome.SENT
    [sent] = fake_telegram.to(CHAT)
    assert sent.buttons == [("Ort finden", "/find_place")]
    update_id = fake_telegram.press_button(sent, 0)
    await channel.start()
    await _wait_for(lambda: len(_inbound(db)) == 1)
    assert _inbound(db) == [(f"u{update_id}", "/find_place", InboundStatus.PENDING)]
    await _wait_for(lambda: len(fake_telegram.answered_callbacks) == 1)


async def test_photo_gets_a_text_only_hint(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push_update(
        {
            "message": {
                "message_id": 9,
                "date": 0,
                "chat": {"id": CHAT, "type": "private"},
                "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}],
            }
        }
    )
    await channel.start()
    await _wait_for(lambda: len(_outbound_texts(db)) == 1)
    assert _outbound_texts(db) == [text("telegram_text_only")]
    assert _inbound(db)[0][2] == InboundStatus.DONE


def _queue(db: Database, reply_text: str, buttons: list[tuple[str, str]] = []) -> OutboundClaim:  # noqa: B006
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel=Channel.TELEGRAM, address=str(CHAT), keys=KEYS
        )
        outbound_id = add_system_reply(
            session, conversation, reply_text, inbound_id=None, now=utcnow()
        )
        row = session.get(OutboundMessage, outbound_id)
        assert row is not None
        row.buttons = [{"title": t, "payload": p} for t, p in buttons]
    with db.session() as session:
        claim = service.claim_next_outbound(session, keys=KEYS, channels=("telegram",))
    assert claim is not None
    return claim


async def test_long_reply_is_sent_in_parts_with_buttons_on_the_last(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    await channel.bot.initialize()
    paragraph = "Ein Satz mit <b>Zeichen</b> & Co. " * 100
    claim = _queue(db, f"{paragraph.strip()}\n\n{paragraph.strip()}", [("Ja", "/affirm")])
    assert (await channel.sender().send(claim)).outcome is Outcome.SENT
    sent = fake_telegram.to(CHAT)
    assert [m.text for m in sent] == [paragraph.strip(), paragraph.strip()]
    assert sent[0].buttons == [] and sent[1].buttons == [("Ja", "/affirm")]


async def test_blocked_bot_is_not_retried(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    await channel.bot.initialize()
    fake_telegram.faults.fail_next("permanent")
    result = await channel.sender().send(_queue(db, "Hallo"))
    assert result.outcome is Outcome.PERMANENT
    assert "blocked" in (result.error or "")


async def test_flood_control_retry_after_is_honoured(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    await channel.bot.initialize()
    fake_telegram.faults.retry_after = 7
    fake_telegram.faults.fail_next("429")
    result = await channel.sender().send(_queue(db, "Hallo"))
    assert result.outcome is Outcome.RETRY
    assert result.retry_after == 7


@pytest.mark.parametrize("fault", ["500", "timeout"])
async def test_server_errors_and_timeouts_are_retried(
    db: Database, channel: TelegramChannel, fake_telegram: FakeTelegram, fault: str
) -> None:
    await channel.bot.initialize()
    fake_telegram.faults.timeout_seconds = 1.5 if fault == "timeout" else 0
    fake_telegram.faults.fail_next(fault)
    result = await channel.sender().send(_queue(db, "Hallo"))
    assert result.outcome is Outcome.RETRY
    assert fake_telegram.sent == []
