"""A web chat citizen writes LÖSCHEN, confirms, and is gone: app DB, Rasa tracker, logs."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from helpdesk.texts import text as citizen_text
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat

pytestmark = pytest.mark.e2e

# Words no other test uses: Rasa's tracker store is shared by the e2e session.
QUESTION = "wie mache ich ein foto von meinem wellensittich Theodolinde"


def _dump(url: str) -> str:
    engine = create_engine(url)
    parts = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            parts += [repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))]
    engine.dispose()
    return "\n".join(parts)


def test_web_citizen_writes_loeschen_confirms_and_is_gone_within_a_minute(
    app_runner: AppRunner,
) -> None:
    app_runner.start(privacy_sweep_seconds="1")
    tracker_url = f"sqlite:///{app_runner.bot.tracker_db}"
    chat = WebChat(app_runner.url)
    assert chat.ask(QUESTION), "Rasa did not answer"
    assert "wellensittich" in _dump(tracker_url)  # Rasa's tracker holds the text now

    question = chat.ask("LÖSCHEN")
    assert question[0]["text"] == citizen_text("erase_question")
    yes = next(b for b in question[0]["buttons"] if b["title"] == citizen_text("erase_yes"))

    started = time.monotonic()
    chat.send(yes["payload"], uuid.uuid4().hex)
    deadline = started + 30
    while not any(r["text"] == citizen_text("erase_done") for r in chat.replies):
        assert time.monotonic() < deadline, "no farewell"
        chat.poll(wait=2)
    assert chat.replies[-1]["text"] == citizen_text("erase_done")  # the last message
    assert chat.replies[-1]["erased"] is True  # the page clears its transcript

    url = f"{app_runner.url}/api/webchat/replies"
    while httpx.get(url, headers=chat.auth, timeout=10).status_code != 404:
        assert time.monotonic() - started < 60, "the conversation is still there after 1 min"
        time.sleep(1)

    everything = _dump(app_runner.database_url) + _dump(tracker_url)
    for needle in ("wellensittich", "Theodolinde", "LÖSCHEN JA", chat.session_id):
        assert needle not in everything, f"{needle!r} survived the erasure"
    audit = _dump(app_runner.database_url)
    assert "'erasure', 'citizen', 'web'" in audit
    log = app_runner.log_text()
    assert "erased by citizen" in log
    for needle in ("wellensittich", "Theodolinde", chat.session_id):
        assert needle not in log
