"""A fake Rasa (REST channel and health) and action server health on one local port.

Answers every message with "Antwort"; while ``up`` is False every request gets HTTP 503,
so the app defers messages and its health checks report Rasa and the actions down.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Request


@dataclass
class FakeRasa:
    """Point ``rasa_url`` and ``actions_url`` at ``url``."""

    up: bool = True
    answer: str = "Antwort"
    messages: list[str] = field(default_factory=list)
    url: str = ""

    def handle(self, request: Request) -> tuple[int, dict[str, str], Any]:
        if not self.up:
            return 503, {}, {"error": "down"}
        if request.method == "POST" and request.path == "/webhooks/rest/webhook":
            self.messages.append(request.params.get("message", ""))
            return 200, {}, [{"recipient_id": request.params.get("sender"), "text": self.answer}]
        return 200, {}, {"status": "ok"}


@contextmanager
def running_fake_rasa() -> Iterator[FakeRasa]:
    """A started fake, stopped afterwards."""
    fake = FakeRasa()
    server = FakeServer(fake.handle)
    server.start()
    fake.url = server.url
    try:
        yield fake
    finally:
        server.stop()
