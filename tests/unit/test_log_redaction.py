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


def test_session_ids_in_old_web_chat_paths_are_redacted_and_uvicorn_args_stay_a_tuple() -> None:
    """uvicorn's access formatter unpacks ``record.args``: it must stay a 5-tuple."""
    session_id = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            f"/api/webchat/sessions/{session_id}/replies?after=3",
            "1.1",
            200,
        ),
        None,
    )
    assert PersonalDataFilter().filter(record)
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert record.args[2] == f"/api/webchat/sessions/{REDACTED}/replies?after=3"
    assert session_id not in record.getMessage()
