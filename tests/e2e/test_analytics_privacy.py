"""After real conversations on SMS and the web chat, the analytics tables hold demand
events, and not one phone number, session id, pseudonym or word the citizens wrote."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import AppRunner
from tests.e2e.test_sms import CITIZEN, Phone, fake_twilio, sms_app
from tests.e2e.webchat import WebChat
from tests.fakes.twilio import FakeTwilio

__all__ = ["fake_twilio", "sms_app"]  # fixtures used below

pytestmark = pytest.mark.e2e

SMS_TEXTS = [
    "Wie mache ich ein Foto mit dem Handy? Meine Nummer ist 0170 5556667",
    "Wo gibt es Hilfe mit dem Handy in Eving?",
]
WEB_TEXTS = [
    "Hallo, hier ist Quirinus Zwetschgenbaum, ist diese SMS echt oder Betrug?",
    "Wie entkalke ich meine Kaffeemaschine?",
]


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_demand_events_after_a_full_run_hold_no_personal_data(
    sms_app: AppRunner, fake_twilio: FakeTwilio
) -> None:
    phone = Phone(sms_app, fake_twilio)
    for body in SMS_TEXTS:
        phone.send(body)
    chat = WebChat(sms_app.url)
    for body in WEB_TEXTS:
        chat.ask(body)
    url = sms_app.database_url
    deadline = time.monotonic() + 60
    while _query(url, "SELECT id FROM inbound_message WHERE status != 'done'"):
        assert time.monotonic() < deadline, "messages still waiting"
        time.sleep(0.5)
    events = _query(url, "SELECT * FROM demand_event")
    counters = _query(url, "SELECT * FROM demand_month")
    values = {str(value) for row in events for value in row}
    assert {"answered", "routed", "sms", "web", "Eving"} <= values, events
    assert sum(int(str(row[-1])) for row in counters) == len(events)
    pseudonyms = [str(p) for (p,) in _query(url, "SELECT pseudonym FROM conversation")]
    assert len(pseudonyms) == 2
    needles = [CITIZEN, CITIZEN[3:], "5556667", chat.session_id, *pseudonyms]
    words = {w.strip("?,.!") for body in SMS_TEXTS + WEB_TEXTS for w in body.split()}
    needles += [word for word in words if len(word) > 6]
    for table, rows in (("demand_event", events), ("demand_month", counters)):
        for row in rows:
            cells = " ".join(str(value) for value in row)
            for needle in needles:
                assert needle not in cells, f"{needle!r} in {table}: {row}"
