"""RasaClient sends the shared token Rasa's REST channel asks for (docs/security.md).

A stand-in for the token-checking channel (``botserver/channel.py``) on 127.0.0.1
answers 401 without ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from helpdesk.channels.rasa import RasaClient, RasaUnavailable

TOKEN = "rasa-test-token"


class _GuardedRasa(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        given = self.headers.get("Authorization", "")
        _GuardedRasa.seen.append(given)
        if given != f"Bearer {TOKEN}":
            self._answer(401, {"error": "missing or wrong Rasa token"})
            return
        self._answer(200, [{"recipient_id": body["sender"], "text": "Hallo!"}])

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    _GuardedRasa.seen = []
    server = HTTPServer(("127.0.0.1", 0), _GuardedRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_the_client_sends_the_rasa_token_with_every_message(rasa_url: str) -> None:
    client = RasaClient(rasa_url, token=TOKEN)
    try:
        replies = await client.send("pseudonym", "hallo", {"channel": "web"})
    finally:
        await client.aclose()
    assert [reply.text for reply in replies] == ["Hallo!"]
    assert _GuardedRasa.seen == [f"Bearer {TOKEN}"]


async def test_a_refused_token_leaves_the_message_waiting_and_names_the_setting(
    rasa_url: str,
) -> None:
    client = RasaClient(rasa_url, token="not-the-token")
    try:
        with pytest.raises(RasaUnavailable, match="DIODO_RASA_TOKEN"):
            await client.send("pseudonym", "hallo", {"channel": "web"})
    finally:
        await client.aclose()
