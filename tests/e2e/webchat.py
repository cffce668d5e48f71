"""A small web chat API client for the end-to-end tests and the benchmark."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]

# The end-to-end tests and the benches send as fast as the app answers, far faster than
# a person types, and many conversations from one address: they raise the abuse limits
# (docs/channels.md, "Limits") explicitly. An interval of 0 means no rate at all.
MACHINE_PACE_LIMITS = {
    "DIODO_WEBCHAT_MESSAGE_INTERVAL_SECONDS": "0",
    "DIODO_WEBCHAT_ADDRESS_MESSAGE_INTERVAL_SECONDS": "0",
    "DIODO_WEBCHAT_SESSION_INTERVAL_SECONDS": "0",
    "DIODO_WEBCHAT_MAX_POLLS_PER_SESSION": "50",
    "DIODO_WEBCHAT_MAX_POLLS_PER_ADDRESS": "10000",
    "DIODO_SMS_MESSAGE_INTERVAL_SECONDS": "0",
    "DIODO_TELEGRAM_MESSAGE_INTERVAL_SECONDS": "0",
}


@dataclass
class WebChat:
    """One citizen in the web chat."""

    base_url: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=40))
    session_id: str = ""
    cursor: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        response = self.http.post(f"{self.base_url}/api/webchat/sessions")
        response.raise_for_status()
        self.session_id = response.json()["session_id"]

    @property
    def auth(self) -> dict[str, str]:
        """The session id goes in a header, never in the URL."""
        return {"Authorization": f"Bearer {self.session_id}"}

    def send(self, text: str, message_id: str | None = None) -> dict[str, Any]:
        response = self.http.post(
            f"{self.base_url}/api/webchat/messages",
            json={"text": text, "client_message_id": message_id or uuid.uuid4().hex},
            headers=self.auth,
        )
        assert response.status_code == 202, response.text
        return dict(response.json())

    def poll(self, wait: float = 0) -> list[dict[str, Any]]:
        response = self.http.get(
            f"{self.base_url}/api/webchat/replies",
            params={"after": self.cursor, "wait": wait},
            headers=self.auth,
        )
        response.raise_for_status()
        body = response.json()
        self.cursor = body["cursor"]
        self.replies.extend(body["replies"])
        return list(body["replies"])

    def answers_to(self, message_id: str) -> list[dict[str, Any]]:
        return [r for r in self.replies if r["in_reply_to"] == message_id]

    def ask(self, text: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Send ``text`` and return the replies that answer it."""
        message_id = uuid.uuid4().hex
        self.send(text, message_id)
        deadline = time.monotonic() + timeout
        while not self.answers_to(message_id):
            assert time.monotonic() < deadline, f"no answer to {text!r} in {timeout} s"
            self.poll(wait=5)
        # Rasa's replies to one message are written together but delivered one by one:
        # collect until nothing new arrives for a moment.
        while self.poll(wait=0.7):
            pass
        return self.answers_to(message_id)


def domain_texts(response: str) -> list[str]:
    """Every text variant of a domain response, from bot/domain/*.yml."""
    for path in sorted((REPO / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        variants = (data.get("responses") or {}).get(response)
        if variants:
            return [str(v["text"]).strip() for v in variants if "text" in v]
    raise KeyError(response)
