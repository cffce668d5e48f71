"""TOTP (RFC 6238) computed with the standard library, checked against the RFC."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from helpdesk.staff import totp

# RFC 6238 appendix B: the SHA-1 secret is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "eight_digits"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time: int, eight_digits: str) -> None:
    step = totp.time_step(datetime.fromtimestamp(unix_time, UTC))
    assert totp.code_at(RFC_SECRET, step, digits=8) == eight_digits
    assert totp.code_at(RFC_SECRET, step) == eight_digits[-6:]


def test_a_code_is_accepted_one_step_early_or_late_but_not_two() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 12, 2, 10, 0, 10, tzinfo=UTC)
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, totp.code_at(secret, step + offset), now) == step + offset
    for offset in (-2, 2):
        code = totp.code_at(secret, step + offset)
        if code not in {totp.code_at(secret, step + o) for o in (-1, 0, 1)}:
            assert totp.matching_step(secret, code, now) is None
    late = now + timedelta(seconds=3 * totp.STEP_SECONDS)
    assert totp.matching_step(secret, totp.code_at(secret, step), late) is None


def test_malformed_codes_are_refused_and_spaces_are_ignored() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    code = totp.code_at(secret, totp.time_step(now))
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", now) is not None
    for bad in ("", "12345", "1234567", "abcdef", code + "0"):
        assert totp.matching_step(secret, bad, now) is None


def test_new_secrets_are_random_base32_of_160_bits() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(first) == 32
    assert len(base64.b32decode(first)) == 20


def test_provisioning_uri_carries_secret_issuer_and_account() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "chefin")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert parsed.path == "/DiODo:chefin"
    query = parse_qs(parsed.query)
    assert query["secret"] == ["JBSWY3DPEHPK3PXP"] and query["issuer"] == ["DiODo"]
    assert query["digits"] == ["6"] and query["period"] == ["30"]
    assert totp.grouped("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"
