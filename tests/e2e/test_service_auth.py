"""Each process lets in only its one caller (docs/security.md, "Between the processes").

The real action server and Rasa, started as ``diodo run`` starts them: a forged action
call gets 401 and reaches no app; a message to Rasa without the app's token gets 401 and
leaves no tracker; Rasa's HTTP API is off; the app's own path works and no log shows a
secret.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from tests.e2e.conftest import AppRunner, BotStack
from tests.e2e.test_logs_privacy import assert_logs_clean
from tests.e2e.webchat import WebChat

pytestmark = pytest.mark.e2e


class _InternalApi(BaseHTTPRequestHandler):
    """Takes the app's place on its port and records what the actions call."""

    seen: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _InternalApi.seen.append((self.path, self.headers.get("Authorization", "")))
        body = json.dumps({"results": [], "outcome": "none"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def internal_api(bot: BotStack) -> Iterator[list[tuple[str, str]]]:
    """A recorder on the port the action server calls the app on (no app runs here)."""
    _InternalApi.seen = []
    server = HTTPServer(("127.0.0.1", bot.ports.app), _InternalApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _InternalApi.seen
    server.shutdown()
    server.server_close()


def _forged_action_call(sender: str) -> dict[str, Any]:
    return {
        "next_action": "action_answer_howto",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "Wie mache ich ein Foto?", "intent": {}, "entities": []},
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_forged_action_call_is_refused_and_never_reaches_the_app(
    bot: BotStack, internal_api: list[tuple[str, str]]
) -> None:
    webhook = f"http://127.0.0.1:{bot.ports.actions}/webhook"
    call = _forged_action_call("pseudonym-of-someone-else")
    for headers in ({}, _bearer("wrong"), _bearer(bot.token), _bearer(bot.rasa_token)):
        answer = httpx.post(webhook, json=call, headers=headers, timeout=30)
        assert answer.status_code == 401, headers
    assert internal_api == [], "a forged call reached the app's internal API"
    assert httpx.get(f"http://127.0.0.1:{bot.ports.actions}/health").status_code == 200

    # Control: with Rasa's token the same call runs and the recorder sees it.
    answer = httpx.post(webhook, json=call, headers=_bearer(bot.actions_token), timeout=30)
    assert answer.status_code == 200
    assert internal_api == [("/internal/knowledge/search", f"Bearer {bot.token}")]


def _tracker_events(bot: BotStack, sender: str) -> int:
    with sqlite3.connect(bot.tracker_db) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if "events" not in tables:
            return 0
        query = "SELECT count(*) FROM events WHERE sender_id = ?"
        return int(db.execute(query, (sender,)).fetchone()[0])


def test_rasa_refuses_a_message_without_the_apps_token_and_keeps_no_tracker(
    bot: BotStack,
) -> None:
    rasa = f"http://127.0.0.1:{bot.ports.rasa}"
    sender = f"forged-{secrets.token_hex(8)}"
    message = {"sender": sender, "message": "Hallo"}
    for headers in ({}, _bearer("wrong"), _bearer(bot.token), _bearer(bot.actions_token)):
        answer = httpx.post(f"{rasa}/webhooks/rest/webhook", json=message, headers=headers)
        assert answer.status_code == 401, headers
    assert _tracker_events(bot, sender) == 0, "a refused message reached a tracker"

    # Control: with the app's token Rasa answers and keeps the conversation.
    answer = httpx.post(
        f"{rasa}/webhooks/rest/webhook", json=message, headers=_bearer(bot.rasa_token), timeout=60
    )
    assert answer.status_code == 200 and answer.json()
    assert _tracker_events(bot, sender) > 0


def test_rasas_http_api_is_off(bot: BotStack) -> None:
    rasa = f"http://127.0.0.1:{bot.ports.rasa}"
    for path in ("/status", "/version", "/conversations/someone/tracker", "/domain"):
        assert httpx.get(f"{rasa}{path}", headers=_bearer(bot.rasa_token)).status_code == 404
    answer = httpx.post(f"{rasa}/model/parse", json={"text": "Hallo"})
    assert answer.status_code == 404
    assert httpx.get(f"{rasa}/").status_code == 200  # the health route the app uses


def test_the_apps_own_path_works_and_no_log_shows_a_secret(app: AppRunner) -> None:
    answer = WebChat(app.url).ask("Hallo, wie mache ich ein Foto mit dem Handy?")
    assert answer and answer[0]["text"]
    assert_logs_clean(app, [app.bot.token, app.bot.actions_token, app.bot.rasa_token])
