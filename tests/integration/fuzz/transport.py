"""Send a schemathesis case through FastAPI's test client.

Schemathesis' own ASGI transport starts the app's lifespan in a loop of its own and keeps
it for the rest of the process; the fuzz tests need the one app the package fixture
started (its database, workers and signed-in staff), so the case is serialised by
schemathesis and sent here, and the httpx response goes back to ``case.validate_response``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi.testclient import TestClient
from schemathesis import Case

from tests.integration.fuzz.conftest import BASE_URL


def _wire(headers: Mapping[str, Any]) -> dict[str, bytes]:
    # Header values travel as latin-1 octets (httpx would insist on ASCII for str).
    return {
        str(name): value if isinstance(value, bytes) else str(value).encode("latin-1", "replace")
        for name, value in headers.items()
    }


def send(client: TestClient, case: Case, headers: Mapping[str, str]) -> httpx.Response:
    """The case as schemathesis would send it, plus ``headers`` (auth), without redirects."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=dict(headers))
    assert not kwargs.get("cookies"), "the schema declares no cookie parameters"
    content: bytes | None = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"]).encode()
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        content = data if isinstance(data, bytes) else str(data).encode()
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=_wire(kwargs["headers"]),
        content=content,
        follow_redirects=False,
    )
