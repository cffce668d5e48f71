"""German messages for account and password errors (texts live in helpdesk/texts/de.yml)."""

from __future__ import annotations

from helpdesk.staff.passwords import MIN_LENGTH
from helpdesk.texts import text


def error_text(code: str) -> str:
    """The German message for a password rule or account error code."""
    if code in {"too_short", "too_long", "equals_username", "weak"}:
        return text(f"staff_password_{code}", min_length=MIN_LENGTH)
    return text(f"staff_{code}")
