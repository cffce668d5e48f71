"""Client for Rasa's REST channel. The app is Rasa's only caller.

Rasa's channel refuses callers without the shared token (``DIODO_RASA_TOKEN``, checked by
``botserver/channel.py``); the client sends it on every message.
"""

from __future__ import annotations

from typing import Any

import httpx

from helpdesk.channels.render import article_text, pack_sms
from helpdesk.conversations.service import Button, Reply


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) could not answer now; try again later."""


class RasaClient:
    """Sends a citizen's message to Rasa under the conversation's pseudonym."""

    def __init__(
        self,
        base_url: str,
        *,
        actions_url: str | None = None,
        timeout: float = 30.0,
        token: str = "",
    ) -> None:
        self._actions_health = f"{actions_url.rstrip('/')}/health" if actions_url else None
        # Sent per request, not as a client default: the same client asks the action
        # server's /health, which must not learn Rasa's token.
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=3.0),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[Reply]:
        """Rasa's replies to ``text``; raises RasaUnavailable on any transient failure."""
        try:
            response = await self._http.post(
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                headers=self._headers,
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if response.status_code in (401, 403):
            # A configuration error, not an outage: the message waits until it is fixed.
            raise RasaUnavailable(
                f"HTTP {response.status_code}: Rasa refused the app's DIODO_RASA_TOKEN"
            )
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise RasaUnavailable("invalid JSON from Rasa") from exc
        channel = metadata.get("channel")
        replies = parse_rasa_messages(payload, channel if isinstance(channel, str) else None)
        if not replies and not await self.actions_healthy():
            # Rasa swallows a failed custom action and answers with nothing: wait instead.
            raise RasaUnavailable("action server down")
        return replies

    async def healthy(self) -> bool:
        """True when Rasa's HTTP server answers."""
        try:
            response = await self._http.get("/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def actions_healthy(self) -> bool:
        """True when the action server answers (or none is configured)."""
        if self._actions_health is None:
            return True
        try:
            response = await self._http.get(self._actions_health, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def parse_rasa_messages(payload: Any, channel: str | None = None) -> list[Reply]:
    """Turn Rasa's REST output into replies for ``channel``, skipping what we can't show.

    Articles arrive as a channel-neutral custom payload and are rendered for the
    channel here (`render.article_text`). On Telegram the follow-up question right after
    an article ("Hat das geholfen?" with buttons) joins it, so the inline keyboard sits
    under the answer. The web chat shows it as the next bubble, buttons included. On
    SMS a turn's replies share SMS as far as they fit (``render.pack_sms``); an article
    fills its two segments, so its follow-up question stays a second SMS.
    """
    if not isinstance(payload, list):
        raise RasaUnavailable("unexpected answer from Rasa")
    replies: list[Reply] = []
    after_article = False
    for item in payload:
        if not isinstance(item, dict):
            continue
        text = item.get("text")
        custom = item.get("custom")
        is_article = isinstance(custom, dict) and custom.get("type") == "article"
        if isinstance(custom, dict) and is_article:
            # Articles come as a custom payload: Rasa's REST channel would split a plain
            # text at every blank line into separate messages.
            text = article_text(custom, channel)
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")
        )
        if isinstance(text, str) and text.strip():
            reply = Reply(text.strip(), buttons)
            if after_article and buttons and channel == "telegram" and not replies[-1].buttons:
                article = replies.pop()
                reply = Reply(f"{article.text}\n\n{reply.text}", buttons)
            replies.append(reply)
            after_article = is_article
        elif buttons and replies:
            # Buttons without text belong to the previous message.
            last = replies.pop()
            replies.append(Reply(last.text, last.buttons + buttons))
            after_article = False
    return pack_sms(replies) if channel == "sms" else replies
