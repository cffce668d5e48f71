"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30 s): what every
authenticator app (FreeOTP, Google/Microsoft Authenticator, Aegis, ...) computes.

Written out here (standard library only) rather than taken from ``pyotp``: it is a few
lines, the RFC's test vectors check it (tests/unit/staff/test_totp.py), and a new
dependency would change the lock file that every environment is built from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

DIGITS = 6
STEP_SECONDS = 30
WINDOW = 1  # steps accepted before and after the current one (clock drift, slow typing)
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation for HMAC-SHA1


def new_secret() -> str:
    """A random secret in base32 without padding (how authenticator apps take it)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def time_step(now: datetime) -> int:
    """The number of the 30-second step ``now`` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The code of one time step (RFC 4226 HOTP with the step as counter)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def matching_step(secret: str, code: str, now: datetime, window: int = WINDOW) -> int | None:
    """The time step whose code ``code`` is, within ``window`` steps of now; else None.

    Every candidate is compared in constant time. The caller refuses a step that was
    used already (RFC 6238 section 5.2: a code is accepted once).
    """
    given = "".join(code.split())
    if len(given) != DIGITS or not given.isdigit():
        return None
    current = time_step(now)
    found = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at(secret, step).encode(), given.encode()):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str = "DiODo") -> str:
    """The ``otpauth://`` URI authenticator apps import (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four letters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
