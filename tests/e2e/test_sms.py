"""SMS end to end: signed Twilio webhooks → app → real Rasa → fake Twilio REST API."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from helpdesk.channels.render import is_gsm7, render_sms, sms_segments
from helpdesk.conversations.service import Button, Reply
from helpdesk.texts import text as citizen_text
from tests.e2e.conftest import AppRunner
from tests.e2e.test_logs_privacy import (
    SECRET_TEXTS,
    assert_logs_clean,
    wait_until_no_contact_is_left,
)
from tests.e2e.webchat import domain_texts
from tests.fakes.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_params,
    signed_post,
)

pytestmark = pytest.mark.e2e

CITIZEN = "+4915112345678"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()
    for sms in fake.sent:
        assert is_gsm7(sms.body) and sms_segments(sms.body) <= 2, sms.body


def _sms_settings(app_runner: AppRunner, fake_twilio: FakeTwilio) -> dict[str, str]:
    return {
        "public_url": app_runner.url,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": FROM_NUMBER,
        "twilio_api_base_url": fake_twilio.url,
    }


@pytest.fixture
def sms_app(app_runner: AppRunner, fake_twilio: FakeTwilio) -> AppRunner:
    app_runner.start(**_sms_settings(app_runner, fake_twilio))
    return app_runner


class Phone:
    """A citizen's old phone: sends signed SMS, reads what the fake Twilio received."""

    def __init__(self, app: AppRunner, fake: FakeTwilio) -> None:
        self._app = app
        self._fake = fake
        self._http = httpx.Client(base_url=app.url, timeout=10)
        self._count = 0

    def send(self, body: str, *, wait_for: int = 1, timeout: float = 60) -> list[str]:
        seen = len(self.received())
        self._count += 1
        params = inbound_params(CITIZEN, body, f"SMe2e{self._count:028d}")
        response = signed_post(
            self._http, path="/sms/twilio/inbound", public_url=self._app.url, params=params
        )
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + timeout
        while len(self.received()) < seen + wait_for:
            assert time.monotonic() < deadline, f"no SMS answer to {body!r}"
            time.sleep(0.1)
        time.sleep(0.3)  # a second reply of the same answer may follow
        return self.received()[seen:]

    def received(self) -> list[str]:
        """What reached the phone, without the privacy notice of the first contact."""
        return [b for b in self._fake.to(CITIZEN) if not b.startswith("Datenschutz: DiODo")]


def _expected(response: str, buttons: tuple[Button, ...]) -> list[str]:
    pages, _ = render_sms(Reply(domain_texts(response)[0], buttons))
    return pages


def test_sms_numbered_menu_where_2_selects_the_second_choice(
    sms_app: AppRunner, fake_twilio: FakeTwilio
) -> None:
    phone = Phone(sms_app, fake_twilio)
    menu = (
        Button("Einen Ort in der Nähe finden", "/find_place"),
        Button("Mit einem Menschen sprechen", "/request_human"),
        Button("Was passiert mit meinen Daten?", "/privacy"),
    )
    pages = _expected("utter_what_can_you_do", menu)

    first = phone.send("was kannst du")
    assert first == pages[:1]
    rest = phone.send("MEHR")
    assert rest == pages[1:2]
    assert "2 = Mit einem Menschen sprechen" in rest[0]

    human = phone.send("2")
    assert human[0] == _expected("utter_handoff_intro_request", ())[0]
    assert all(sms.from_ == FROM_NUMBER for sms in fake_twilio.sent)
    assert "+4915112345678" not in sms_app.log_text()


def _scalar(database_url: str, sql: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_sms_burst_survives_sigkill_and_every_message_is_answered_once(
    sms_app: AppRunner, fake_twilio: FakeTwilio
) -> None:
    numbers, per_number = 50, 10  # 500 inbound SMS
    burst = [
        inbound_params(f"+4915100{c:05d}", "danke", f"SMcrash{c:05d}{n:05d}")
        for n in range(per_number)
        for c in range(numbers)
    ]
    http = httpx.Client(base_url=sms_app.url, timeout=5)
    unacknowledged = []
    for index, params in enumerate(burst):
        if index == len(burst) // 2:
            sms_app.kill()  # SIGKILL with messages pending, in processing and in sending
        try:
            response = signed_post(
                http, path="/sms/twilio/inbound", public_url=sms_app.url, params=params
            )
            acknowledged = response.status_code == 200
        except httpx.HTTPError:
            acknowledged = False
        if not acknowledged:
            unacknowledged.append(params)
    assert unacknowledged, "the app was not down during the burst"
    sms_app.start(**_sms_settings(sms_app, fake_twilio))
    for params in unacknowledged:  # Twilio retries what was not acknowledged
        response = signed_post(
            http, path="/sms/twilio/inbound", public_url=sms_app.url, params=params
        )
        assert response.status_code == 200
    url = sms_app.database_url
    deadline = time.monotonic() + 300
    while True:
        open_rows = _scalar(
            url, "SELECT COUNT(*) FROM inbound_message WHERE status != 'done'"
        ) + _scalar(url, "SELECT COUNT(*) FROM outbound_message WHERE status != 'sent'")
        if open_rows == 0:
            break
        assert time.monotonic() < deadline, f"{open_rows} rows still open"
        time.sleep(0.5)
    time.sleep(1.0)
    assert _scalar(url, "SELECT COUNT(*) FROM inbound_message") == len(burst)
    unanswered = _scalar(
        url,
        "SELECT COUNT(*) FROM inbound_message i WHERE NOT EXISTS "
        "(SELECT 1 FROM outbound_message o WHERE o.inbound_message_id = i.id)",
    )
    assert unanswered == 0
    # Exactly one SMS per outbox row: nothing sent twice, nothing left out.
    sent_rows = _scalar(url, "SELECT COUNT(*) FROM outbound_message WHERE status = 'sent'")
    assert len(fake_twilio.sent) == sent_rows
    assert _scalar(url, "SELECT COUNT(DISTINCT outbound_message_id) FROM sms_message") == sent_rows
    welcome = _expected("utter_youre_welcome", ())[0]
    replies = _scalar(url, "SELECT COUNT(*) FROM outbound_message WHERE kind = 'reply'")
    assert sum(sms.body == welcome for sms in fake_twilio.sent) == replies


def test_a_full_sms_run_with_erasure_keeps_number_and_texts_out_of_every_log(
    sms_app: AppRunner, fake_twilio: FakeTwilio
) -> None:
    phone = Phone(sms_app, fake_twilio)
    for body in SECRET_TEXTS:
        phone.send(body)
    assert phone.send("LÖSCHEN")[0].startswith(citizen_text("erase_question")[:40])
    assert phone.send("1") == [citizen_text("erase_done")]  # the numbered "Ja, alles löschen"
    wait_until_no_contact_is_left(sms_app)
    assert_logs_clean(
        sms_app,
        ["Quirinus", "Zwetschgenbaum", "zebrafinken", "9876543", CITIZEN, CITIZEN[3:]],
    )
