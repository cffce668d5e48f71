"""A Rasa model roll-out while citizens write: no message is lost or answered twice, and a
conversation in the middle of a form goes on with the new process (docs/operations.md).

The app talks to Rasa through a relay that stands for what switches traffic in a real
deployment (a Kubernetes Service during a rolling update, a reverse proxy, or simply the
same port after a restart). The roll-out: a second Rasa starts with the model on the same
tracker store while the first answers; then Rasa is unreachable for a moment, as during
an in-place restart; then the new process takes all traffic.
"""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from helpdesk.cli import processes
from helpdesk.texts import text as app_text
from tests.e2e.conftest import AppRunner, BotStack, free_port
from tests.e2e.webchat import WebChat, domain_texts

pytestmark = pytest.mark.e2e

QUESTIONS = ["Hallo", "danke", "was kannst du", "bist du ein mensch", "tschüss"]


class Relay:
    """Forwards every request to ``upstream`` (a port), or answers 503 while it is None."""

    def __init__(self, upstream: int | None) -> None:
        self.upstream = upstream
        self.served: list[int | None] = []  # the upstream of each message, in order
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = relay.upstream
                if self.path.startswith("/webhooks/"):
                    relay.served.append(upstream)
                status, content = 503, b"{}"
                if upstream is not None:
                    headers = {
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() not in ("host", "content-length", "connection")
                    }
                    try:
                        answer = httpx.request(
                            self.command,
                            f"http://127.0.0.1:{upstream}{self.path}",
                            headers=headers,
                            content=body,
                            timeout=60,
                        )
                        status, content = answer.status_code, answer.content
                    except httpx.HTTPError:
                        status = 502
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = _forward
            do_POST = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Citizens:
    """Web chats that each send the next of QUESTIONS every ``pace`` seconds."""

    def __init__(self, url: str, count: int, pace: float = 1.0) -> None:
        self.chats = [WebChat(url) for _ in range(count)]
        self.sent: list[tuple[WebChat, str]] = []
        self._stop = threading.Event()
        self._pace = pace
        self._thread = threading.Thread(target=self._write, daemon=True)

    def _write(self) -> None:
        turn = 0
        while not self._stop.is_set():
            for number, chat in enumerate(self.chats):
                message_id = f"c{number}-t{turn}"
                chat.send(QUESTIONS[turn % len(QUESTIONS)], message_id)
                self.sent.append((chat, message_id))
            turn += 1
            self._stop.wait(self._pace)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def wait_for_every_answer(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while any(not chat.answers_to(message_id) for chat, message_id in self.sent):
            assert time.monotonic() < deadline, "a message sent during the roll-out is lost"
            for chat in self.chats:
                chat.poll(wait=0.5)
        time.sleep(1.0)  # anything answered twice would arrive now
        for chat in self.chats:
            chat.poll()


def test_a_model_roll_out_while_messages_flow_loses_and_repeats_no_message(
    app_runner: AppRunner, bot: BotStack
) -> None:
    relay = Relay(upstream=bot.ports.rasa)  # the running Rasa: the old model
    new: processes.Process | None = None
    try:
        app_runner.start(rasa_port=relay.port)
        placer = WebChat(app_runner.url)
        asked = placer.ask("wo bekomme ich hilfe in meiner nähe")
        assert asked[0]["text"] in domain_texts("utter_ask_stadtbezirk")
        citizens = Citizens(app_runner.url, count=3, pace=2.0)
        citizens.start()
        # The new Rasa loads the model while the old one answers; same tracker store.
        new_port = free_port()
        new = bot.start_rasa(new_port, name="rasa")
        processes.wait_healthy(new, 240)
        relay.upstream = None  # the moment of the switch (an in-place restart: longer)
        time.sleep(3)
        relay.upstream = new_port
        time.sleep(3)
        citizens.stop()
        hint = placer.ask("in der nordstadt", timeout=90)  # the form goes on, in the new Rasa
        assert "Innenstadt-Nord" in hint[0]["text"]
        citizens.wait_for_every_answer(timeout=90)
    finally:
        if new is not None:
            processes.stop(new)
        relay.stop()

    assert None in relay.served, "no message met the gap: the test would prove less"
    switched = relay.served.index(None)
    assert bot.ports.rasa in relay.served[:switched], "the old Rasa answered nothing"
    assert relay.served[-1] == new_port and bot.ports.rasa not in relay.served[switched:]
    for chat in citizens.chats:
        ids = [r["id"] for r in chat.replies]
        assert len(ids) == len(set(ids)), "a reply was delivered twice"
        holding = [r for r in chat.replies if r["text"] == app_text("holding_reply")]
        assert len(holding) <= 1
        answered = [r["in_reply_to"] for r in chat.replies if r["in_reply_to"]]
        sent = [message_id for c, message_id in citizens.sent if c is chat]
        # Each message's replies arrive together, in the order the messages were sent.
        assert [message_id for message_id, _ in itertools.groupby(answered)] == sent
    batches = _rows(
        app_runner.database_url,
        "SELECT inbound_message_id, COUNT(DISTINCT created_at) FROM outbound_message "
        "WHERE inbound_message_id IS NOT NULL GROUP BY inbound_message_id",
    )
    assert batches and all(count == 1 for _, count in batches)  # Rasa's answer stored once


def _rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()
