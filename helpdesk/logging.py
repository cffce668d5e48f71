"""Logging set-up. Message texts, phone numbers and chat ids never reach the logs.

Our own code logs ids only. The filter below is the safety net for everything else
(third-party libraries included): it redacts phone numbers and long digit runs such as
Telegram chat ids from every record before any handler sees it, and web chat session
ids from the deprecated API paths that carry them (uvicorn's access log).
"""

from __future__ import annotations

import logging
import re

# +49 170 1234567, 0049-170-1234567, 0170/1234567, 01701234567, and any run of 7+ digits.
_PERSONAL = re.compile(
    r"(?:(?<![\w])(?:\+|00)\d[\d \-/]{6,}\d)|(?:(?<![\w])0\d{2,4}[ \-/]?\d{4,}(?!\w))|(?:\d{7,})"
)
# The web chat session id in the deprecated path form /api/webchat/sessions/{id}/...
_SESSION_PATH = re.compile(r"(/sessions/)[A-Za-z0-9_-]{16,}")
REDACTED = "[entfernt]"


def redact(text: str) -> str:
    """``text`` with phone numbers, long digit runs and web chat session ids replaced."""
    return _PERSONAL.sub(REDACTED, _SESSION_PATH.sub(rf"\g<1>{REDACTED}", text))


class PersonalDataFilter(logging.Filter):
    """Redacts personal data from a record's final message (args are merged first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            # Redacted one by one first: formatters such as uvicorn's access formatter
            # read the arguments themselves.
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record as it is
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def configure_logging(level: str) -> None:
    """Plain one-line logs to stderr, with the personal-data filter on every handler."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_filter()
    # httpx logs every request URL at INFO (a Telegram URL holds the bot token).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def install_filter() -> None:
    """Add the filter to every handler of the root logger and uvicorn's loggers."""
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(PersonalDataFilter())
