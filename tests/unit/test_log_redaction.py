"""The log filter removes phone numbers and chat ids, whatever logged them."""

from __future__ import annotations

import logging

import pytest

from helpdesk.logging import REDACTED, PersonalDataFilter, redact


@pytest.mark.parametrize(
    "raw",
    [
        "SMS von +49 170 1234567 erhalten",
        "SMS von 0049-170-1234567",
        "Rückruf an 0170/1234567",
        "Rückruf an 01701234567",
        "chat_id=123456789 blocked",
        "chat -1001234567890",
    ],
)
def test_phone_numbers_and_chat_ids_are_redacted(raw: str) -> None:
    cleaned = redact(raw)
    assert REDACTED in cleaned
    assert not any(run in cleaned for run in ("1234567", "123456789"))


@pytest.mark.parametrize(
    "raw", ["inbox: message 42 answered with 2 replies", "Postleitzahl 44263", "HTTP 503"]
)
def test_ordinary_ids_and_postcodes_stay(raw: str) -> None:
    assert redact(raw) == raw


def test_filter_redacts_arguments_of_third_party_records() -> None:
    record = logging.LogRecord(
        "twilio", logging.INFO, __file__, 1, "sending to %s", ("+4917012345678",), None
    )
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == f"sending to {REDACTED}"


def test_claims_logged_on_errors_show_no_text_address_or_token() -> None:
    from datetime import UTC, datetime

    from helpdesk.conversations.service import InboundClaim, OutboundClaim

    inbound = InboundClaim(
        1, 2, "sms", "pseudonym", "Mein Passwort ist Sonne", 1, datetime.now(UTC), "secret-token"
    )
    outbound = OutboundClaim(1, 2, "sms", "+4917012345678", "Antworttext", (), 1, "secret-token")
    for shown in (repr(inbound), repr(outbound)):
        for private in ("Passwort", "+49170", "Antworttext", "secret-token"):
            assert private not in shown
