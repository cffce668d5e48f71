"""SMS keywords and the mapping of Twilio errors to delivery outcomes."""

from __future__ import annotations

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from helpdesk.channels.delivery import Outcome
from helpdesk.channels.sms import TwilioRateLimited, classify_twilio_error
from helpdesk.channels.sms_state import Keyword, parse_keyword


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOPP", Keyword.STOP),
        ("stop", Keyword.STOP),
        (" Abmelden. ", Keyword.STOP),
        ("START", Keyword.START),
        ("Hilfe!", Keyword.HELP),
        ("MENSCH", Keyword.HUMAN),
        ("0", Keyword.HUMAN),
        ("mehr", Keyword.MORE),
        ("LÖSCHEN", Keyword.ERASE),
        ("loeschen", Keyword.ERASE),
    ],
)
def test_sms_keywords_are_recognised_in_any_case(body: str, keyword: Keyword) -> None:
    assert parse_keyword(body) is keyword


@pytest.mark.parametrize("body", ["Stopp bitte nicht", "mehr Hilfe beim Handy", "10", "1"])
def test_keywords_inside_a_sentence_are_ordinary_text(body: str) -> None:
    assert parse_keyword(body) is None


def test_twilio_429_honours_retry_after() -> None:
    result = classify_twilio_error(TwilioRateLimited(12.0))
    assert (result.outcome, result.retry_after) == (Outcome.RETRY, 12.0)


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (500, 20500, Outcome.RETRY),
        (503, None, Outcome.RETRY),
        (400, 21610, Outcome.PERMANENT),
        (400, 21211, Outcome.PERMANENT),
        (401, 20003, Outcome.PERMANENT),
    ],
)
def test_twilio_errors_map_to_retry_or_permanent(
    status: int, code: int | None, outcome: Outcome
) -> None:
    exc = TwilioRestException(status, "https://api.twilio.com/x", "msg", code=code)
    assert classify_twilio_error(exc).outcome is outcome


def test_timeouts_and_network_errors_are_retried() -> None:
    assert classify_twilio_error(httpx.ReadTimeout("t")).outcome is Outcome.RETRY
    assert classify_twilio_error(httpx.ConnectError("c")).outcome is Outcome.RETRY
