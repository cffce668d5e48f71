"""JSON logs (``DIODO_LOG_FORMAT=json``): one object per line, personal data redacted."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime

import pytest

from helpdesk.logging import REDACTED, JsonFormatter, PersonalDataFilter
from helpdesk.settings import REPO_ROOT

PHONE = "+49 170 1234567"


@pytest.fixture
def logger_and_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler is set up like the app's in JSON mode."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, output
    logger.removeHandler(handler)


def _lines(output: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


def test_one_object_per_line_with_time_level_logger_and_message(
    logger_and_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = logger_and_output
    logger.info("inbox: message %s answered with %d replies", 42, 2)
    logger.warning("zweite Zeile\nmit Umbruch und Ümlaut")
    first, second = _lines(output)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO"
    assert first["logger"] == "tests.json_logs"
    assert first["message"] == "inbox: message 42 answered with 2 replies"
    assert datetime.fromisoformat(str(first["time"])).utcoffset() is not None
    assert second["message"] == "zweite Zeile\nmit Umbruch und Ümlaut"


def test_phone_numbers_and_chat_ids_are_redacted_in_json_at_info(
    logger_and_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = logger_and_output
    logger.info("SMS von %s an chat %s", PHONE, 123456789)
    logger.info("Rückruf an 0170/1234567")
    text = output.getvalue()
    assert "1234567" not in text and "123456789" not in text
    assert all(REDACTED in str(line["message"]) for line in _lines(output))


def test_tracebacks_are_redacted_too(
    logger_and_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = logger_and_output
    try:
        raise ValueError(f"Twilio refused {PHONE}")
    except ValueError:
        logger.exception("delivery failed")
    (line,) = _lines(output)
    assert "ValueError" in str(line["exception"])
    assert "1234567" not in output.getvalue()


def test_configure_logging_switches_our_and_uvicorns_handlers_to_json() -> None:
    """In a fresh interpreter, as under uvicorn: its log config first, then the app's."""
    script = f"""
import logging, logging.config
from uvicorn.config import LOGGING_CONFIG
from helpdesk.logging import configure_logging
logging.config.dictConfig(LOGGING_CONFIG)
configure_logging("INFO", "json")
logging.getLogger("helpdesk.test").info("Nachricht von %s", "{PHONE}")
logging.getLogger("uvicorn.error").info("Started server process [%d]", 1)
logging.getLogger("helpdesk.test").debug("not at INFO")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in (result.stdout + result.stderr).splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("helpdesk.test", "INFO"),
        ("uvicorn.error", "INFO"),
    ]
    assert "1234567" not in result.stderr + result.stdout
