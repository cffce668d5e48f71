"""Phone numbers written in citizen messages: kept out of message texts and Rasa.

A citizen who asks for a call back writes a number ("0231 9876543, morgen ab 14 Uhr").
Stored as it was written, the number would sit in clear in the inbox, the ticket thread
and Rasa's tracker. So every inbound text is stored and sent on with each number replaced
by a placeholder; the numbers themselves are kept beside the message, encrypted with the
contact keys, for the two readers that need them: the call-back ticket and the staff
member reading a thread.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpdesk.privacy.crypto import Keyring

# Also in actions/human.py (the action server cannot import the app).
PLACEHOLDER = "[Rufnummer]"

# A number that starts like a German phone number (0..., +49..., 0049...) with at least
# seven digits in all, separators allowed between digits; or seven or more digits in a
# row. Postcodes (five digits), TANs (six), dates and times are left alone.
_PHONE = re.compile(
    r"(?<![\w+(])\(?(?:(?:\+|00)\s?\d|0)(?:[ /()\-–]{0,2}\d){6,16}(?!\w)|(?<![\w+])\d{7,16}(?!\w)"
)


def redact_phone_numbers(text: str) -> tuple[str, list[str]]:
    """``text`` with every phone number replaced by ``PLACEHOLDER``, and the numbers."""
    numbers: list[str] = []

    def take(match: re.Match[str]) -> str:
        numbers.append(match.group(0).strip())
        return PLACEHOLDER

    return _PHONE.sub(take, text), numbers


def seal_numbers(numbers: list[str], keys: Keyring) -> str | None:
    """The numbers, encrypted for storage beside the redacted text (None: no numbers)."""
    return keys.encrypt(json.dumps(numbers)) if numbers else None


def open_numbers(sealed: str | None, keys: Keyring) -> list[str]:
    """The numbers sealed by ``seal_numbers``."""
    return list(json.loads(keys.decrypt(sealed))) if sealed else []


def dial_string(number: str) -> str:
    """A written number as digits (and a leading +) for the call-back field."""
    return re.sub(r"[^\d+]", "", number)[:40]


def restore_numbers(text: str, sealed: str | None, keys: Keyring) -> str:
    """A redacted text with its numbers put back, for staff who may read them."""
    numbers = iter(open_numbers(sealed, keys))
    return re.sub(re.escape(PLACEHOLDER), lambda _: next(numbers, PLACEHOLDER), text)
