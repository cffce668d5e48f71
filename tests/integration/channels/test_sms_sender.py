"""The SMS sender with the real twilio client against the fake Twilio: error mapping,
opt-out, caps, paging and choices (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pydantic import SecretStr

from helpdesk.channels import sms, sms_state
from helpdesk.channels.delivery import Outcome
from helpdesk.channels.render import render_sms
from helpdesk.conversations import service
from helpdesk.conversations.models import Channel, OutboundMessage
from helpdesk.conversations.service import Button, OutboundClaim, Reply, add_system_reply
from helpdesk.db import Database, utcnow
from helpdesk.settings import Settings
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.keys import KEYS

CITIZEN = "+491701234567"


@pytest.fixture
async def sender(db: Database, fake_twilio: FakeTwilio) -> AsyncIterator[sms.SmsSender]:
    settings = Settings(
        public_url="https://diodo.example.org",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=SecretStr(AUTH_TOKEN),
        twilio_from_number=FROM_NUMBER,
        twilio_api_base_url=fake_twilio.url,
        twilio_timeout_seconds=0.5,
        sms_max_per_number_per_hour=3,
        sms_max_per_hour=5,
    )
    client, http = sms.build_twilio_client(settings)
    yield sms.SmsSender(db, client, settings)
    await http.aclose()


def _queue(db: Database, reply: Reply, address: str = CITIZEN) -> OutboundClaim:
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel=Channel.SMS, address=address, keys=KEYS
        )
        outbound_id = add_system_reply(
            session, conversation, reply.text, inbound_id=None, now=utcnow()
        )
        row = session.get(OutboundMessage, outbound_id)
        assert row is not None
        row.buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    with db.session() as session:
        claim = service.claim_next_outbound(session, keys=KEYS, channels=("sms",))
    assert claim is not None
    return claim


async def test_sms_is_sent_with_the_real_twilio_client(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    result = await sender.send(_queue(db, Reply("Guten Tag – willkommen 😀")))
    assert result.outcome is Outcome.SENT
    assert fake_twilio.to(CITIZEN) == ["Guten Tag - willkommen"]


@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
async def test_transient_twilio_errors_are_retried(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio, fault: str
) -> None:
    fake_twilio.faults.timeout_seconds = 1.0
    fake_twilio.faults.fail_next(fault)
    result = await sender.send(_queue(db, Reply("Hallo")))
    assert result.outcome is Outcome.RETRY
    assert fake_twilio.sent == []
    if fault == "429":
        assert result.retry_after == fake_twilio.faults.retry_after


async def test_opted_out_number_21610_is_not_retried_and_stays_silent(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.faults.fail_next("permanent")
    claim = _queue(db, Reply("Hallo"))
    result = await sender.send(claim)
    assert result.outcome is Outcome.PERMANENT
    with db.session() as session:
        service.finish_outbound(session, claim, sent=False, error=result.error)
    later = await sender.send(_queue(db, Reply("Noch etwas")))
    assert later.outcome is Outcome.PERMANENT
    assert fake_twilio.calls == 1


async def test_other_permanent_twilio_errors_are_not_retried(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.permanent_code = 21211  # invalid 'To' number
    fake_twilio.faults.fail_next("permanent")
    result = await sender.send(_queue(db, Reply("Hallo")))
    assert result.outcome is Outcome.PERMANENT


async def test_per_number_cap_holds_back_further_sms(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    results = []
    for number in range(4):
        claim = _queue(db, Reply(f"Nachricht {number}"))
        result = await sender.send(claim)
        with db.session() as session:
            service.finish_outbound(
                session, claim, sent=result.outcome is Outcome.SENT, retry_in_seconds=60
            )
        results.append(result.outcome)
    assert results == [Outcome.SENT] * 3 + [Outcome.RETRY]
    assert len(fake_twilio.sent) == 3


async def test_global_cap_holds_back_sms_to_everyone(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    outcomes = []
    for number in range(6):
        claim = _queue(db, Reply("Hallo"), address=f"+4917000000{number}")
        result = await sender.send(claim)
        with db.session() as session:
            service.finish_outbound(
                session, claim, sent=result.outcome is Outcome.SENT, retry_in_seconds=60
            )
        outcomes.append(result.outcome)
    assert outcomes == [Outcome.SENT] * 5 + [Outcome.RETRY]


async def test_long_reply_sends_the_first_page_and_keeps_the_rest_for_mehr(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    menu = (Button("Ort finden", "/find_place"), Button("Mensch", "/request_human"))
    reply = Reply("Ein langer Satz über das Handy. " * 20, menu)
    pages, _ = render_sms(reply)
    claim = _queue(db, reply)
    assert (await sender.send(claim)).outcome is Outcome.SENT
    assert fake_twilio.to(CITIZEN) == pages[:1]
    with db.session() as session:
        state = sms_state.get_state(session, claim.conversation_id)
        assert state.more_pages == pages[1:]
        assert [c["payload"] for c in state.choices] == ["/find_place", "/request_human"]


def test_cap_window_only_counts_recent_sms(db: Database) -> None:
    claim_time = utcnow() - timedelta(hours=2)
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel=Channel.SMS, address=CITIZEN, keys=KEYS
        )
        outbound_id = add_system_reply(session, conversation, "x", inbound_id=None, now=claim_time)
        sms_state.record_sent(
            session,
            conversation_id=conversation.id,
            outbound_id=outbound_id,
            sid="SMold",
            status="sent",
            more_pages=[],
            choices=(),
            now=claim_time,
        )
        check = sms_state.check_send(
            session,
            conversation.id,
            outbound_id,
            per_number_cap=1,
            global_cap=1,
            window=timedelta(hours=1),
        )
    assert check.allowed


async def test_sms_that_reached_twilio_before_a_timeout_is_not_sent_again(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.faults.timeout_seconds = 1.0
    fake_twilio.faults.fail_next("late")  # accepted by Twilio, answer lost
    claim = _queue(db, Reply("Gern geschehen!"))
    first = await sender.send(claim)
    assert first.outcome is Outcome.RETRY
    with db.session() as session:
        service.finish_outbound(session, claim, sent=False, retry_in_seconds=0)
    with db.session() as session:
        retry = service.claim_next_outbound(session, keys=KEYS, channels=("sms",))
    assert retry is not None and retry.attempts == 2
    assert (await sender.send(retry)).outcome is Outcome.SENT
    assert fake_twilio.to(CITIZEN) == ["Gern geschehen!"]
    with db.session() as session:
        assert session.get(sms_state.SmsMessage, fake_twilio.sent[0].sid) is not None


async def test_retry_after_a_failed_attempt_sends_when_nothing_reached_twilio(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.faults.fail_next("500")
    claim = _queue(db, Reply("Gern geschehen!"))
    assert (await sender.send(claim)).outcome is Outcome.RETRY
    with db.session() as session:
        service.finish_outbound(session, claim, sent=False, retry_in_seconds=0)
    with db.session() as session:
        retry = service.claim_next_outbound(session, keys=KEYS, channels=("sms",))
    assert retry is not None
    assert (await sender.send(retry)).outcome is Outcome.SENT
    assert fake_twilio.to(CITIZEN) == ["Gern geschehen!"]


async def test_sms_recorded_before_a_crash_is_not_sent_again_after_restart(
    db: Database, sender: sms.SmsSender, fake_twilio: FakeTwilio
) -> None:
    # The same text went to this number before (a frequent "Gern geschehen!"): matching by
    # text alone would not tell which attempt was lost.
    earlier = _queue(db, Reply("Gern geschehen!"))
    assert (await sender.send(earlier)).outcome is Outcome.SENT
    with db.session() as session:
        service.finish_outbound(session, earlier, sent=True)
    claim = _queue(db, Reply("Gern geschehen!"))
    assert (await sender.send(claim)).outcome is Outcome.SENT
    # The process dies here: the SMS is recorded, the outbox row is still "sending".
    with db.session() as session:
        service.release_unfinished(session)
    with db.session() as session:
        again = service.claim_next_outbound(session, keys=KEYS, channels=("sms",))
    assert again is not None and again.outbound_id == claim.outbound_id and again.attempts == 2
    assert (await sender.send(again)).outcome is Outcome.SENT
    assert fake_twilio.to(CITIZEN) == ["Gern geschehen!", "Gern geschehen!"]  # not three
