"""Abuse limits of SMS and Telegram (hardening finding 3): a sender over its message rate
gets one polite reply per window (an SMS costs money, and a citizen being flooded should
not be flooded back), the excess is stored once and never reaches Rasa, others write on,
and the log holds counts only. Rasa is absent (closed port)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from telegram import Update

from helpdesk.channels.limits import ChannelLimits
from helpdesk.channels.telegram import TelegramChannel
from helpdesk.conversations.models import InboundMessage, InboundStatus, OutboundMessage
from helpdesk.conversations.notify import Notifier
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.texts import text
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.integration.channels.test_sms import CITIZEN, _db, _send, sms_settings
from tests.keys import KEYS, SETTINGS_KEYS

OTHER = "+491609998877"
LIMITS = {
    "sms_message_burst": 2,
    "sms_message_interval_seconds": 600,
    "telegram_message_burst": 2,
    "telegram_message_interval_seconds": 600,
}


def _statuses(db: Database) -> dict[str, str]:
    with db.read_session() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        return {m.channel_message_id: m.status for m in rows}


def _until(condition: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_sms_flood_gets_one_polite_reply_and_the_excess_is_stored_once_not_asked(
    tmp_path: Path, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = sms_settings(tmp_path, fake_twilio, **LIMITS)
    with TestClient(create_app(settings)) as client:
        for n in range(6):
            _send(client, f"Frage Nummer {n}", f"SM{n}")
        _send(client, "Frage Nummer 3", "SM3")  # Twilio retries a webhook: same MessageSid
        _send(client, "Hallo", "SMX", sender=OTHER)
        _until(lambda: text("limit_messages") in fake_twilio.to(CITIZEN))
        time.sleep(1.0)  # nothing more may come
        statuses = _statuses(_db(client))
        notices = [body for body in fake_twilio.to(CITIZEN) if body == text("limit_messages")]
    assert notices == [text("limit_messages")]
    assert sorted(statuses) == ["SM0", "SM1", "SM2", "SM3", "SM4", "SM5", "SMX"]  # each once
    # The first two wait for Rasa; the rest were answered by the one notice.
    assert {sid: statuses[sid] for sid in ("SM2", "SM3", "SM4", "SM5")} == dict.fromkeys(
        ("SM2", "SM3", "SM4", "SM5"), InboundStatus.DONE
    )
    assert InboundStatus.DONE not in (statuses["SM0"], statuses["SM1"], statuses["SMX"])
    reports = [r.getMessage() for r in caplog.records if r.name == "helpdesk.channels.limits"]
    assert reports == ["limits: refused since the last report: sms 4"]
    everything = caplog.text
    for private in (CITIZEN, CITIZEN[3:], OTHER[3:], "Frage Nummer"):
        assert private not in everything


def test_sms_stopp_is_honoured_even_over_the_limit(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    settings = sms_settings(tmp_path, fake_twilio, **LIMITS)
    with TestClient(create_app(settings)) as client:
        for n in range(3):
            _send(client, f"Frage {n}", f"SM{n}")
        _send(client, "STOPP", "SM9")
        _until(lambda: text("sms_stopped") in fake_twilio.to(CITIZEN))


def _update(update_id: int, chat: int, body: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "text": body,
        },
    }


@pytest.fixture
async def channel(db: Database, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    settings = Settings(
        pseudonym_key=SecretStr("k"),
        **SETTINGS_KEYS,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=fake_telegram.base_url,
        telegram_timeout_seconds=1,
        **LIMITS,  # type: ignore[arg-type]
    )
    limits = ChannelLimits.from_settings(settings)
    channel = TelegramChannel(db, Notifier(), settings, KEYS, limits=limits)
    yield channel
    await channel.stop()


async def test_telegram_flood_gets_one_polite_reply_and_the_excess_is_stored_once(
    db: Database, channel: TelegramChannel
) -> None:
    flood = [_update(100 + n, 4242, f"Frage {n}") for n in range(5)] + [_update(200, 77, "Hi")]
    await channel.handle([Update.de_json(raw, channel.bot) for raw in flood])
    await channel.handle([Update.de_json(flood[3], channel.bot)])  # delivered again
    await channel.handle([Update.de_json(_update(105, 4242, "Noch da?"), channel.bot)])
    statuses = _statuses(db)
    assert list(statuses) == ["u100", "u101", "u102", "u103", "u104", "u200", "u105"]
    assert [statuses[f"u{n}"] for n in (100, 101, 200)] == [InboundStatus.PENDING] * 3
    assert {statuses[f"u{n}"] for n in (102, 103, 104, 105)} == {InboundStatus.DONE}
    with db.read_session() as session:
        replies = list(session.scalars(select(OutboundMessage.text)))
    assert replies.count(text("limit_messages")) == 1
