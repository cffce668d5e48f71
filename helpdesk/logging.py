"""Logging set-up. Message texts, phone numbers and chat ids never reach the logs.

Our own code logs ids only. The filter below is the safety net for everything else
(third-party libraries included): it redacts phone numbers and long digit runs such as
Telegram chat ids from every record before any handler sees it, and web chat session
ids from the deprecated API paths that carry them (uvicorn's access log).

``DIODO_LOG_FORMAT=json`` writes one JSON object per line instead (``JsonFormatter``);
the filter works the same, and tracebacks are redacted too.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

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


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message.

    The message is the record's final text, after ``PersonalDataFilter`` ran on the
    handler; a traceback (``exception``) is redacted here, since the filter does not see it.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(level: str, log_format: str = "text") -> None:
    """One-line logs to stderr (text or JSON), with the personal-data filter on every handler."""
    logging.basicConfig(level=level.upper(), format=TEXT_FORMAT)
    for name in _LOGGERS:
        for handler in logging.getLogger(name).handlers:
            # Only plain stream and file handlers (ours from basicConfig, uvicorn's from its
            # log config); handlers others attach for their own use, such as pytest's
            # capture, keep their formatter.
            if type(handler) not in (logging.StreamHandler, logging.FileHandler):
                continue
            if log_format == "json":
                handler.setFormatter(JsonFormatter())
            elif isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    install_filter()
    # httpx logs every request URL at INFO (a Telegram URL holds the bot token).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # spaCy (imported when the knowledge index loads) adds a handler of its own that would
    # print its start-up chatter a second time, unfiltered and not as JSON.
    logging.getLogger("spacy").setLevel(logging.WARNING)


def install_filter() -> None:
    """Add the filter to every handler of the root logger and uvicorn's loggers."""
    for name in _LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(PersonalDataFilter())
