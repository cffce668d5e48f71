"""The action server answers only Rasa: a forged action call gets 401 and reaches no app.

rasa-sdk's app with our real ``actions`` package runs in-process through ASGI; a recorder
on a local port stands in for the app's internal API. Without the gate, the forged call
below makes the action call ``/internal/knowledge/search`` with the real internal token.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sanic import Sanic

from actions.app_client import get_app_client
from actions.config import get_settings
from botserver.action_server import create_app
from botserver.tokens import MissingToken
from tests.botserver.asgi import serving

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTIONS_TOKEN = "actions-test-token"
INTERNAL_TOKEN = "internal-test-token"


def action_call(action: str = "action_answer_howto") -> dict[str, Any]:
    """What Rasa posts to /webhook; here forged for someone else's pseudonym."""
    return {
        "next_action": action,
        "sender_id": "pseudonym-of-someone-else",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "pseudonym-of-someone-else",
            "slots": {},
            "latest_message": {
                "text": "Wie mache ich ein Foto?",
                "intent": {"name": "ask_howto"},
                "entities": [],
            },
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


class _InternalApi(BaseHTTPRequestHandler):
    """Records the calls the actions make to the app."""

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
def internal_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    server = HTTPServer(("127.0.0.1", 0), _InternalApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DIODO_APP_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("DIODO_INTERNAL_API_TOKEN", INTERNAL_TOKEN)
    get_settings.cache_clear()
    get_app_client.cache_clear()
    _InternalApi.seen = []
    yield _InternalApi.seen
    server.shutdown()
    get_settings.cache_clear()
    get_app_client.cache_clear()


@pytest.fixture
async def action_server(internal_api: list[tuple[str, str]]) -> AsyncIterator[Any]:
    Sanic.test_mode = True  # rasa-sdk names every app "rasa_sdk"
    async with serving(create_app("actions", ACTIONS_TOKEN)) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {INTERNAL_TOKEN}"},  # the app's token is not Rasa's
        {"Authorization": f"Token {ACTIONS_TOKEN}"},
    ],
    ids=["none", "wrong", "internal-api-token", "other-scheme"],
)
async def test_a_forged_action_call_is_refused_and_never_reaches_the_app(
    action_server, internal_api, headers
):
    answer = await action_server.post("/webhook", json=action_call(), headers=headers)
    assert answer.status_code == 401
    assert internal_api == []


async def test_the_token_in_the_query_string_does_not_count(action_server, internal_api):
    answer = await action_server.post(f"/webhook?token={ACTIONS_TOKEN}", json=action_call())
    assert answer.status_code == 401
    assert internal_api == []


async def test_rasas_call_with_the_token_runs_the_action(action_server, internal_api):
    answer = await action_server.post(
        "/webhook", json=action_call(), headers={"Authorization": f"Bearer {ACTIONS_TOKEN}"}
    )
    assert answer.status_code == 200
    # The recorder would have seen a forged call: the refusals above are the gate's doing.
    assert internal_api == [("/internal/knowledge/search", f"Bearer {INTERNAL_TOKEN}")]


async def test_health_stays_open_and_the_action_list_does_not(action_server):
    assert (await action_server.get("/health")).status_code == 200
    assert (await action_server.get("/actions")).status_code == 401


def test_the_app_refuses_an_empty_token():
    with pytest.raises(MissingToken):
        create_app("actions", "")


def test_the_action_server_does_not_start_without_its_token():
    env = {k: v for k, v in os.environ.items() if k != "DIODO_ACTIONS_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "botserver.action_server", "--actions", "actions", "--port", "9"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DIODO_ACTIONS_TOKEN is not set" in result.stderr
