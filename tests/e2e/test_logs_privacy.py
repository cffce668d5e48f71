"""No process logs what a citizen wrote or their address (INFO level and above).

The web chat run is here; the SMS and Telegram runs are in test_sms.py and
test_telegram.py (they need those channels' fakes) and use ``assert_logs_clean``.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat

pytestmark = pytest.mark.e2e

SECRET_TEXTS = [
    "Hallo, hier schreibt Quirinus Zwetschgenbaum",
    "wie mache ich ein foto von meinem zebrafinken",
    "ich wohne in hörde, meine nummer ist 0170 9876543",
]


def test_message_texts_session_ids_and_numbers_stay_out_of_every_log(app: AppRunner) -> None:
    chat = WebChat(app.url)
    for text in SECRET_TEXTS:
        chat.ask(text)
    logs = {
        "app": app.log_text(),
        "rasa": (app.bot.logs / "rasa.log").read_text(errors="replace"),
        "actions": (app.bot.logs / "actions.log").read_text(errors="replace"),
    }
    assert "answered with" in logs["app"], "the app log is empty: the test would prove nothing"
    needles = ["Quirinus", "Zwetschgenbaum", "zebrafinken", "9876543", chat.session_id]
    for name, content in logs.items():
        for needle in needles:
            assert needle not in content, f"{needle!r} appears in the {name} log"


def assert_logs_clean(app: AppRunner, needles: list[str]) -> None:
    logs = {
        "app": app.log_text(),
        "rasa": (app.bot.logs / "rasa.log").read_text(errors="replace"),
        "actions": (app.bot.logs / "actions.log").read_text(errors="replace"),
    }
    assert "answered with" in logs["app"], "the app log is empty: the test would prove nothing"
    for name, content in logs.items():
        for needle in needles:
            assert needle not in content, f"{needle!r} appears in the {name} log"


def wait_until_no_contact_is_left(app: AppRunner, timeout: float = 60) -> None:
    """After a confirmed erasure the address is gone from the app's database in 1 min."""
    engine = create_engine(app.database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                if conn.execute(sql("SELECT COUNT(*) FROM contact")).scalar_one() == 0:
                    return
            assert time.monotonic() < deadline, "the contact is still there after 1 min"
            time.sleep(1)
    finally:
        engine.dispose()
