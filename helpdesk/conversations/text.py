"""Cleaning citizen text before it is stored: the same rules on every channel."""

from __future__ import annotations

import unicodedata


class InvalidMessage(ValueError):
    """A message that cannot be processed; ``reason`` names the citizen-facing text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_text(raw: str, *, max_chars: int) -> str:
    """Normalise (NFC), drop control and format characters, trim; reject empty or too long.

    Line breaks and tabs are kept; NUL bytes, escape sequences, bidi overrides and
    other invisible characters that could corrupt storage or display are removed.
    """
    text = unicodedata.normalize("NFC", raw)
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    text = text.strip()
    if not text:
        raise InvalidMessage("web_invalid_empty")
    if len(text) > max_chars:
        raise InvalidMessage("web_invalid_too_long")
    return text
