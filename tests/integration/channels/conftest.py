"""Fixtures for the channel tests: the local fakes, and a check on every SMS they got."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk.channels.render import is_gsm7, sms_segments
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()
    for sms in fake.sent:  # every SMS the system sends: GSM-7, at most 2 segments
        assert is_gsm7(sms.body), sms.body
        assert sms_segments(sms.body) <= 2, sms.body


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()
