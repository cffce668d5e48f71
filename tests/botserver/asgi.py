"""Drive a Sanic app in-process through ASGI (no port, no sanic-testing needed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx
from sanic import Sanic


@asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for ``app`` after its ASGI start-up (routers finalised), shut down after."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    lifespan = asyncio.ensure_future(app(scope, inbox.get, sent.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(sent.get(), 30)
    assert started["type"] == "lifespan.startup.complete", started
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sanic") as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        stopped = await asyncio.wait_for(sent.get(), 30)
        assert stopped["type"] == "lifespan.shutdown.complete", stopped
        # Sanic 21.12 then handles the lifespan scope as a request too and fails; there
        # is nothing left to clean up.
        with suppress(Exception):
            await lifespan
