"""Calling the app's own webhooks in-process, as Twilio would call them over the network.

The request goes through the whole ASGI stack (middleware, routing, the signature check)
without a socket: the simulator reaches the real handlers, never a shortcut, and needs
no address to call back.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp
from twilio.request_validator import RequestValidator

from helpdesk.settings import Settings


def app_client(app: ASGIApp) -> httpx.AsyncClient:
    """An HTTP client whose requests the app itself answers, in this process."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 0)),
        base_url="http://simulator.localhost",
        timeout=30.0,
    )


async def signed_twilio_post(
    client: httpx.AsyncClient, settings: Settings, path: str, params: dict[str, str]
) -> httpx.Response:
    """POST a Twilio webhook form, signed with the configured auth token for
    ``DIODO_PUBLIC_URL + path`` (what the app checks), as Twilio signs it."""
    url = settings.public_url.rstrip("/") + path
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    signature = validator.compute_signature(url, params)
    return await client.post(path, data=params, headers={"X-Twilio-Signature": signature})
