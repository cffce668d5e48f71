"""Faults: with the fake Bot API failing 30 % of getUpdates and sendMessage calls (429,
500, timeouts), 500 messages across 50 chats are answered completely, once, in order."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from pydantic import SecretStr

from helpdesk.channels.delivery import OutboxDelivery
from helpdesk.channels.telegram import TelegramChannel
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import Reply
from helpdesk.conversations.worker import InboxWorker
from helpdesk.db import Database
from helpdesk.settings import Settings
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.keys import KEYS, SETTINGS_KEYS

CHATS = 50
PER_CHAT = 10


class EchoAssistant:
    """Stands in for Rasa: answers every message with one reply naming it."""

    async def send(self, sender: str, text: str, metadata: dict[str, object]) -> list[Reply]:
        return [Reply(f"Antwort auf {text}")]


async def test_500_telegram_messages_with_30_percent_faults_are_answered_once_in_order(
    db: Database, fake_telegram: FakeTelegram
) -> None:
    # A slow but successful call that the client gave up on would be sent twice (no
    # idempotency key on either API): the client timeout is well above normal latency.
    fake_telegram.fault_methods = ("sendMessage", "getUpdates")
    fake_telegram.faults.rate = 0.3
    fake_telegram.faults.retry_after = 0
    fake_telegram.faults.timeout_seconds = 2.0
    for n in range(PER_CHAT):
        for chat in range(CHATS):
            fake_telegram.push_text(1000 + chat, f"Frage {n}")
    settings = Settings(
        pseudonym_key=SecretStr("k"),
        **SETTINGS_KEYS,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=fake_telegram.base_url,
        telegram_poll_timeout_seconds=1,
        telegram_timeout_seconds=1.5,
    )
    notifier = Notifier()
    channel = TelegramChannel(db, notifier, settings, KEYS)
    inbox = InboxWorker(
        db, EchoAssistant(), notifier, transient_errors=(), concurrency=4, poll_interval=0.05
    )
    delivery = OutboxDelivery(
        db,
        {"telegram": channel.sender()},
        notifier,
        keys=KEYS,
        concurrency=8,
        retry_max_seconds=0.5,
        poll_interval=0.05,
    )
    total = CHATS * (PER_CHAT + 1)  # each chat's first contact brings the privacy notice
    await channel.start()
    inbox.start()
    delivery.start()
    try:
        deadline = time.monotonic() + 240
        while len(fake_telegram.sent) < total:
            assert time.monotonic() < deadline, f"only {len(fake_telegram.sent)} of {total}"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # nothing more may arrive
    finally:
        await channel.stop()
        await inbox.stop()
        await delivery.stop()
    assert len(fake_telegram.sent) == total
    assert {"429", "500", "timeout"} <= set(fake_telegram.faults.injected)
    by_chat: defaultdict[int, list[str]] = defaultdict(list)
    for message in fake_telegram.sent:
        by_chat[message.chat_id].append(message.text)
    assert len(by_chat) == CHATS
    for texts in by_chat.values():
        assert texts[0].startswith("Datenschutz: DiODo")
        assert texts[1:] == [f"Antwort auf Frage {n}" for n in range(PER_CHAT)]
