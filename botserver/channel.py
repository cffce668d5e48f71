"""Rasa's REST channel behind a shared token: only the app may talk to Rasa.

Rasa's own REST channel takes any ``sender`` from anyone who can reach the port, so a
local process could read or steer a citizen's conversation by posting under its
pseudonym. ``TokenRestInput`` is that channel unchanged (same URL
``/webhooks/rest/webhook``, same JSON, same ``rest`` input channel in the tracker), except
that every request without ``Authorization: Bearer <DIODO_RASA_TOKEN>`` gets a 401 before
Rasa sees it, so no tracker is read, created or changed. ``bot/credentials.yml`` names it
by module path and passes the token; an empty token stops Rasa at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from botserver.tokens import MissingToken, bearer_matches

log = logging.getLogger(__name__)


class TokenRestInput(RestInput):
    """Rasa's REST input channel, answering only callers that present the app's token."""

    @classmethod
    def name(cls) -> str:
        # The same name keeps the URL and the trackers' ``input_channel`` as before.
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        """The channel from its ``credentials.yml`` entry (``token: ${DIODO_RASA_TOKEN}``)."""
        token = str((credentials or {}).get("token") or "").strip()
        if not token:
            raise MissingToken(
                "DIODO_RASA_TOKEN is empty: Rasa's REST channel refuses to run open "
                "(`diodo run` passes it; see docs/security.md)"
            )
        return cls(token)

    def __init__(self, token: str) -> None:
        self._token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The REST channel's routes, each behind the token check."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def only_the_app(request: Request) -> HTTPResponse | None:
            if bearer_matches(request.headers.get("authorization"), self._token):
                return None
            log.warning("refused %s %s: missing or wrong Rasa token", request.method, request.path)
            return response.json(
                {"error": "missing or wrong Rasa token"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )

        return blueprint
