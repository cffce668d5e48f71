"""SMS over Twilio: signed webhooks through the test client, replies to the fake Twilio.

Rasa is absent here (closed port): messages meant for Rasa stay in the inbox, while the
app's own keyword replies go all the way out through the outbox to the fake Twilio.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, update

from helpdesk.channels import sms_state
from helpdesk.channels.render import render_sms_pages
from helpdesk.conversations import service
from helpdesk.conversations.models import Channel, InboundMessage, InboundStatus
from helpdesk.conversations.service import Button, Reply
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.texts import text
from tests.fakes.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_params,
    sign,
    signed_post,
)
from tests.keys import KEYS, SETTINGS_KEYS
from tests.ports import closed_port as _closed_port

PUBLIC_URL = "https://diodo.example.org"


def _is_notice(body: str) -> bool:
    return body.startswith("Datenschutz: DiODo speichert")


def _replies(fake: FakeTwilio) -> list[str]:
    """Bodies sent to the citizen, without the privacy notice of the first contact."""
    return [body for body in fake.to(CITIZEN) if not _is_notice(body)]


def _sent(fake: FakeTwilio) -> list[Any]:
    return [sms for sms in fake.sent if not _is_notice(sms.body)]


CITIZEN = "+491701234567"
INBOUND = "/sms/twilio/inbound"


def sms_settings(tmp_path: Path, fake: FakeTwilio, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'app.db'}",
        "rasa_url": f"http://127.0.0.1:{_closed_port()}",
        "actions_url": f"http://127.0.0.1:{_closed_port()}",
        "internal_api_token": SecretStr("internal-test-token"),
        "pseudonym_key": SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        "public_url": PUBLIC_URL,
        "retry_max_seconds": 0.2,
        "poll_interval_seconds": 0.05,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": SecretStr(AUTH_TOKEN),
        "twilio_from_number": FROM_NUMBER,
        "twilio_api_base_url": fake.url,
        "twilio_timeout_seconds": 1.0,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[TestClient]:
    with TestClient(create_app(sms_settings(tmp_path, fake_twilio))) as test_client:
        yield test_client


def _db(client: TestClient) -> Database:
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    return database


@dataclass(frozen=True)
class Stored:
    channel_message_id: str
    text: str
    status: str


def _inbound(client: TestClient) -> list[Stored]:
    with _db(client).read_session() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        return [Stored(m.channel_message_id, m.text, m.status) for m in rows]


def _conversation_id(client: TestClient, address: str = CITIZEN) -> int:
    with _db(client).session() as session:
        conversation = service.get_or_create_conversation(
            session, channel=Channel.SMS, address=address, keys=KEYS
        )
        return conversation.id


def _send(client: TestClient, body: str, sid: str, sender: str = CITIZEN) -> None:
    response = signed_post(
        client, path=INBOUND, public_url=PUBLIC_URL, params=inbound_params(sender, body, sid)
    )
    assert response.status_code == 200
    assert response.text.endswith("<Response></Response>")


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_unsigned_sms_webhook_is_refused_and_stores_nothing(client: TestClient) -> None:
    response = client.post(INBOUND, data=inbound_params(CITIZEN, "Hallo", "SM1"))
    assert response.status_code == 403
    assert _inbound(client) == []


def test_wrongly_signed_sms_webhook_is_refused_and_stores_nothing(client: TestClient) -> None:
    params = inbound_params(CITIZEN, "Hallo", "SM1")
    for signature in (
        sign("another-token", PUBLIC_URL + INBOUND, params),
        sign(AUTH_TOKEN, "https://evil.example.org" + INBOUND, params),
        sign(AUTH_TOKEN, PUBLIC_URL + INBOUND, {**params, "Body": "anders"}),
    ):
        response = client.post(INBOUND, data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403
    assert _inbound(client) == []


def test_signed_sms_is_stored_once_even_if_posted_five_times(client: TestClient) -> None:
    for _ in range(5):
        _send(client, "Wie mache ich ein Foto?", "SM0001")
    stored = _inbound(client)
    assert [(m.channel_message_id, m.text) for m in stored] == [
        ("SM0001", "Wie mache ich ein Foto?")
    ]


def test_phone_number_is_not_logged(
    client: TestClient, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    _send(client, "HILFE", "SM0002")
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    assert CITIZEN not in caplog.text


def test_hilfe_is_answered_by_the_app_through_twilio(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    _send(client, "hilfe", "SM0003")
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    sms = _sent(fake_twilio)[0]
    assert sms.body == text("sms_help")
    assert sms.from_ == FROM_NUMBER
    assert sms.status_callback == PUBLIC_URL + "/sms/twilio/status"
    assert [m.status for m in _inbound(client)] == [InboundStatus.DONE]


def test_stopp_is_confirmed_and_then_nothing_more_is_sent(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    _send(client, "STOPP", "SM0010")
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    assert _replies(fake_twilio) == [text("sms_stopped")]
    _send(client, "HILFE", "SM0011")
    _send(client, "Wie geht das?", "SM0012")
    time.sleep(0.5)
    assert len(_replies(fake_twilio)) == 1
    assert all(m.status == InboundStatus.DONE for m in _inbound(client))
    _send(client, "START", "SM0013")
    _wait_for(lambda: len(_replies(fake_twilio)) == 2)
    assert _replies(fake_twilio)[-1] == text("sms_started")


def test_digit_reply_selects_the_numbered_choice_of_the_last_menu(client: TestClient) -> None:
    conversation_id = _conversation_id(client)
    with _db(client).session() as session:
        state = sms_state.get_state(session, conversation_id)
        state.choices = [
            {"title": "Einen Ort finden", "payload": "/find_place"},
            {"title": "Mit einem Menschen sprechen", "payload": "/request_human"},
        ]
    _send(client, "2", "SM0021")
    with _db(client).session() as session:  # as if answered (Rasa is not running here)
        session.execute(update(InboundMessage).values(status="done"))
    _send(client, " 1 ", "SM0022")
    assert [m.text for m in _inbound(client)] == ["/request_human", "/find_place"]


def test_unknown_digit_gets_a_hint_instead_of_going_to_rasa(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    _send(client, "7", "SM0030")
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    assert "Nummer" in _replies(fake_twilio)[0]


def test_mensch_zero_and_loeschen_become_intents(client: TestClient) -> None:
    _send(client, "MENSCH", "SM0040")
    _send(client, "0", "SM0041")
    _send(client, "Löschen", "SM0042")
    assert [m.text for m in _inbound(client)] == [
        "/request_human",
        "/request_human",
        "/erase_my_data",
    ]


def test_mehr_sends_the_next_page_of_a_long_answer(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    conversation_id = _conversation_id(client)
    with _db(client).session() as session:
        state = sms_state.get_state(session, conversation_id)
        state.more_pages = ["Teil zwei.\nWeiter mit MEHR.", "Teil drei."]
    _send(client, "MEHR", "SM0051")
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    _send(client, "mehr", "SM0052")
    _wait_for(lambda: len(_replies(fake_twilio)) == 2)
    _send(client, "MEHR", "SM0053")
    _wait_for(lambda: len(_replies(fake_twilio)) == 3)
    assert _replies(fake_twilio) == [
        "Teil zwei.\nWeiter mit MEHR.",
        "Teil drei.",
        text("sms_no_more"),
    ]


def test_status_callback_records_delivery_and_needs_a_signature(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    _send(client, "HILFE", "SM0060")
    _wait_for(lambda: len(_sent(fake_twilio)) == 1)
    sid = _sent(fake_twilio)[0].sid
    _wait_for(lambda: _sms_status(client, sid) is not None)
    params = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    assert client.post("/sms/twilio/status", data=params).status_code == 403
    response = signed_post(client, path="/sms/twilio/status", public_url=PUBLIC_URL, params=params)
    assert response.status_code == 204
    assert _sms_status(client, sid) == "delivered"


def test_status_callback_with_error_21610_opts_the_number_out(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    _send(client, "HILFE", "SM0070")
    _wait_for(lambda: len(_sent(fake_twilio)) == 1)
    sid = _sent(fake_twilio)[0].sid
    _wait_for(lambda: _sms_status(client, sid) is not None)
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "21610"}
    signed_post(client, path="/sms/twilio/status", public_url=PUBLIC_URL, params=params)
    _send(client, "HILFE", "SM0071")
    time.sleep(0.4)
    assert len(_sent(fake_twilio)) == 1


def _sms_status(client: TestClient, sid: str) -> str | None:
    with _db(client).read_session() as session:
        message = session.get(sms_state.SmsMessage, sid)
        return message.status if message else None


def test_sms_routes_do_not_exist_without_twilio_credentials(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'plain.db'}",
        internal_api_token=SecretStr("t"),
        pseudonym_key=SecretStr("k"),
        **SETTINGS_KEYS,
        rasa_url=f"http://127.0.0.1:{_closed_port()}",
    )
    with TestClient(create_app(settings)) as plain:
        assert plain.post(INBOUND, data={}).status_code == 404


def test_first_sms_brings_the_privacy_notice_once_before_the_answer(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    _send(client, "hilfe", "SM0101")
    _send(client, "hilfe", "SM0102")
    _wait_for(lambda: len(fake_twilio.to(CITIZEN)) == 3)
    time.sleep(0.5)
    bodies = fake_twilio.to(CITIZEN)
    assert _is_notice(bodies[0]) and "LÖSCHEN" in bodies[0] and "/datenschutz" in bodies[0]
    assert bodies[1:] == [text("sms_help"), text("sms_help")]


def test_mehr_shows_the_rest_of_a_long_menu_and_a_digit_then_answers_that_menu(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    names = [f"Bezirk {n}" for n in range(1, 11)] + ["Hörde", "Mengede"]
    districts = tuple(Button(name, f'/inform{{"stadtbezirk": "{name}"}}') for name in names)
    pages = render_sms_pages(Reply("Ihr Stadtbezirk?", districts))
    conversation_id = _conversation_id(client)
    with _db(client).session() as session:
        state = sms_state.get_state(session, conversation_id)
        state.choices = [sms_state.stored_choice(b) for b in pages[0].choices]
        state.more_pages = [sms_state.stored_page(page) for page in pages[1:]]
    _send(client, "MEHR", "SM0061")
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    assert _replies(fake_twilio) == [pages[1].text]
    _send(client, "2", "SM0062")
    # 12 choices: the second page numbers 10-12 as 1-3; "2" is the 11th choice.
    assert [m.text for m in _inbound(client)][-1] == pages[1].choices[1].payload
    assert pages[1].choices[1].title == "Hörde"
    assert "2 = Hörde" in pages[1].text


def test_a_too_long_sms_is_told_so_instead_of_getting_the_help_text(
    client: TestClient, fake_twilio: FakeTwilio
) -> None:
    """Hardening finding 12: more than 2,000 characters were answered with HILFE."""
    _send(client, "Bitte helfen Sie mir. " * 120, "SM0071")  # 2,640 characters
    _wait_for(lambda: len(_replies(fake_twilio)) == 1)
    assert _replies(fake_twilio) == [text("sms_too_long", max_chars=2000)]
    assert text("sms_help") not in _replies(fake_twilio)
    stored = _inbound(client)
    assert len(stored) == 1 and stored[0].status == InboundStatus.DONE
    assert stored[0].text.startswith("Bitte helfen Sie mir.") and len(stored[0].text) <= 2000
