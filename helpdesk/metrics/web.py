"""``GET /metrics`` for Prometheus, behind its own bearer token (``DIODO_METRICS_TOKEN``).

No token configured: the endpoint does not exist (404). A wrong or missing token: 401.
The endpoint is left out of the OpenAPI schema: it is for the cluster's Prometheus, not
for API clients.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database, utcnow
from helpdesk.deps import SettingsDep
from helpdesk.metrics import service
from helpdesk.metrics.recorder import CONTENT_TYPE, Probes, Recorder
from helpdesk.metrics.service import Snapshot

log = logging.getLogger(__name__)


def require_scraper(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Let through only a caller with the metrics token (compared in constant time)."""
    expected = settings.metrics_token.get_secret_value()
    if not expected:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong metrics token",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter(include_in_schema=False, dependencies=[Depends(require_scraper)])


def get_recorder(request: Request) -> Recorder:
    return request.app.state.metrics  # type: ignore[no-any-return]


RecorderDep = Annotated[Recorder, Depends(get_recorder)]


def _snapshot(db: Database) -> Snapshot | None:
    try:
        with db.read_session() as session:
            return service.take_snapshot(session, now=utcnow(), database_url=db.url)
    except Exception as exc:  # reported as diodo_database_up 0, not as a failed scrape
        log.warning("metrics: database not readable (%s)", type(exc).__name__)
        return None


@router.get("/metrics")
async def metrics(request: Request, recorder: RecorderDep) -> Response:
    """This process's counters, the database's figures and Rasa's availability."""
    state = request.app.state
    snapshot, rasa, actions = await asyncio.gather(
        run_in_threadpool(_snapshot, state.db), state.rasa.healthy(), state.rasa.actions_healthy()
    )
    body = recorder.render(snapshot, Probes(rasa=rasa, actions=actions))
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
