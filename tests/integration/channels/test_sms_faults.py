"""Faults: with the fake Twilio failing 30 % of calls (429, 500, timeouts, and timeouts
after Twilio accepted the SMS), a burst of inbound SMS across many conversations is
answered completely, once, in order."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from pydantic import SecretStr

from helpdesk.channels import sms, sms_state
from helpdesk.channels.delivery import OutboxDelivery
from helpdesk.conversations import service
from helpdesk.conversations.models import Channel
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import Reply
from helpdesk.conversations.worker import InboxWorker
from helpdesk.db import Database
from helpdesk.settings import Settings
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.keys import KEYS

CONVERSATIONS = 50
PER_CONVERSATION = 10


class EchoAssistant:
    """Stands in for Rasa: answers every message with one reply naming it."""

    async def send(self, sender: str, text: str, metadata: dict[str, object]) -> list[Reply]:
        return [Reply(f"Antwort auf {text}")]


def _store_burst(db: Database) -> None:
    for n in range(PER_CONVERSATION):
        with db.session() as session:
            for c in range(CONVERSATIONS):
                conversation = service.get_or_create_conversation(
                    session, channel=Channel.SMS, address=f"+49170{c:07d}", keys=KEYS
                )
                sms_state.receive_sms(
                    session,
                    conversation,
                    message_sid=f"SM{c:04d}{n:04d}",
                    body=f"Frage {n}",
                    keys=KEYS,
                )


async def test_500_sms_with_30_percent_faults_are_answered_once_in_order(
    db: Database, fake_twilio: FakeTwilio
) -> None:
    # Timeouts come from the fake only: the client timeout is well above normal latency.
    fake_twilio.faults.rate = 0.3
    fake_twilio.faults.kinds = ("429", "500", "timeout", "late")
    fake_twilio.faults.retry_after = 0
    fake_twilio.faults.timeout_seconds = 2.0
    settings = Settings(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=SecretStr(AUTH_TOKEN),
        twilio_from_number=FROM_NUMBER,
        twilio_api_base_url=fake_twilio.url,
        twilio_timeout_seconds=1.5,
        sms_max_per_number_per_hour=100,
        sms_max_per_hour=10_000,
    )
    await asyncio.to_thread(_store_burst, db)
    client, http = sms.build_twilio_client(settings)
    notifier = Notifier()
    inbox = InboxWorker(
        db, EchoAssistant(), notifier, transient_errors=(), concurrency=4, poll_interval=0.05
    )
    delivery = OutboxDelivery(
        db,
        {"sms": sms.SmsSender(db, client, settings)},
        notifier,
        keys=KEYS,
        concurrency=8,
        retry_max_seconds=0.5,
        poll_interval=0.05,
    )
    total = CONVERSATIONS * PER_CONVERSATION
    inbox.start()
    delivery.start()
    try:
        deadline = time.monotonic() + 240
        while len(fake_twilio.sent) < total:
            assert time.monotonic() < deadline, f"only {len(fake_twilio.sent)} of {total} sent"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # nothing more may arrive
    finally:
        await inbox.stop()
        await delivery.stop()
        await http.aclose()
    assert len(fake_twilio.sent) == total
    assert {"429", "500", "timeout", "late"} <= set(fake_twilio.faults.injected)
    by_number: defaultdict[str, list[str]] = defaultdict(list)
    for message in fake_twilio.sent:
        by_number[message.to].append(message.body)
    assert len(by_number) == CONVERSATIONS
    for bodies in by_number.values():
        assert bodies == [f"Antwort auf Frage {n}" for n in range(PER_CONVERSATION)]
