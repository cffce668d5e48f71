"""A fake Telegram Bot API on 127.0.0.1, with injectable faults.

Serves getMe, getUpdates (long polling), sendMessage, answerCallbackQuery,
editMessageReplyMarkup, setWebhook and deleteWebhook under ``/bot<token>/<method>``.
Point python-telegram-bot at it with ``base_url=f"{fake.url}/bot"``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Faults, Request, sleep_for_timeout

TOKEN = "123456:fake-telegram-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "DiODo", "username": "diodo_test_bot"}


@dataclass(frozen=True)
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class FakeTelegram:
    """Queues updates for getUpdates and records what the bot sends."""

    token: str = TOKEN
    faults: Faults = field(default_factory=Faults)
    fault_methods: tuple[str, ...] = ("sendMessage",)
    sent: list[SentMessage] = field(default_factory=list)
    answered_callbacks: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    webhook_url: str = ""
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: FakeServer | None = None

    def start(self) -> FakeTelegram:
        self._server = FakeServer(self._handle)
        self._server.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    @property
    def base_url(self) -> str:
        """What to configure as the Bot API base URL (the token is appended)."""
        return f"{self.url}/bot"

    # --- what a citizen does -------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        with self._cond:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
            self._cond.notify_all()
        return int(update["update_id"])

    def push_text(self, chat_id: int, text: str) -> int:
        return self.push_update(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Erika"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Erika"},
                    "text": text,
                }
            }
        )

    def press_button(self, message: SentMessage, index: int) -> int:
        """The citizen taps button ``index`` under ``message``."""
        data = message.buttons[index][1]
        return self.push_update(
            {
                "callback_query": {
                    "id": f"cb{next(self._message_ids)}",
                    "from": {"id": message.chat_id, "is_bot": False, "first_name": "Erika"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": message.message_id,
                        "date": int(time.time()),
                        "chat": {"id": message.chat_id, "type": "private"},
                        "from": BOT_USER,
                        "text": message.text,
                        "reply_markup": message.reply_markup,
                    },
                }
            }
        )

    def to(self, chat_id: int) -> list[SentMessage]:
        with self._cond:
            return [m for m in self.sent if m.chat_id == chat_id]

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # --- the Bot API -----------------------------------------------------------------
    def _handle(self, request: Request) -> tuple[int, dict[str, str], Any]:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = request.path[len(prefix) :]
        with self._cond:
            self.calls.append(method)
        if method in self.fault_methods:
            fault = self.faults.next()
            if fault == "timeout":
                return sleep_for_timeout(self.faults)
            if fault is not None:
                return _error(fault, self.faults.retry_after)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {}, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {}, {"ok": True, "result": handler(request.params)}

    def _api_getMe(self, params: dict[str, str]) -> Any:
        return BOT_USER

    def _api_setWebhook(self, params: dict[str, str]) -> Any:
        self.webhook_url = params.get("url", "")
        return True

    def _api_deleteWebhook(self, params: dict[str, str]) -> Any:
        self.webhook_url = ""
        return True

    def _api_getUpdates(self, params: dict[str, str]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)  # short polls keep tests fast
        deadline = time.monotonic() + timeout
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self._updates[:100])

    def _api_sendMessage(self, params: dict[str, str]) -> Any:
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
        chat_id = int(params["chat_id"])
        message = SentMessage(chat_id, next(self._message_ids), params.get("text", ""), markup)
        with self._cond:
            self.sent.append(message)
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": message.text,
        }
        if markup:
            result["reply_markup"] = markup
        return result

    def _api_answerCallbackQuery(self, params: dict[str, str]) -> Any:
        with self._cond:
            self.answered_callbacks.append(params.get("callback_query_id", ""))
        return True

    def _api_editMessageReplyMarkup(self, params: dict[str, str]) -> Any:
        return True


def _error(kind: str, retry_after: int) -> tuple[int, dict[str, str], Any]:
    if kind == "429":
        description = f"Too Many Requests: retry after {retry_after}"
        return (
            429,
            {},
            {
                "ok": False,
                "error_code": 429,
                "description": description,
                "parameters": {"retry_after": retry_after},
            },
        )
    if kind == "permanent":
        description = "Forbidden: bot was blocked by the user"
        return 403, {}, {"ok": False, "error_code": 403, "description": description}
    return 500, {}, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
