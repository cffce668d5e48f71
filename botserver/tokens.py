"""The shared-secret check of both gates: framework-free, constant-time."""

from __future__ import annotations

import hmac
import os


class MissingToken(RuntimeError):
    """A gate was started without its shared secret; it refuses to run open."""


def bearer_matches(authorization: str | None, token: str) -> bool:
    """True when ``authorization`` is ``Bearer <token>``; never for an empty ``token``."""
    scheme, _, given = (authorization or "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    try:
        return hmac.compare_digest(given.strip().encode(), token.encode())
    except UnicodeEncodeError:  # a header with undecodable bytes (Sanic keeps them escaped)
        return False


def required_token(variable: str) -> str:
    """The secret in environment ``variable``; MissingToken if it is unset or empty."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise MissingToken(
            f"{variable} is not set: refusing to start without it "
            "(`diodo run` passes it; see docs/security.md)"
        )
    return value
