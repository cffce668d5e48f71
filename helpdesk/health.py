"""Health endpoint: the app, its database, Rasa and the action server."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    """``status`` is "ok" when all parts answer, "degraded" when Rasa or actions do not."""

    status: str
    database: str
    rasa: str
    actions: str


@router.get("/health", response_model=HealthOut)
async def health(request: Request, response: Response) -> HealthOut:
    """Report each part; HTTP 503 only when the app's own database is unreachable."""
    state = request.app.state

    def db_ok() -> bool:
        try:
            with state.db.read_session() as session:
                session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    database, rasa, actions = await asyncio.gather(
        run_in_threadpool(db_ok), state.rasa.healthy(), state.rasa.actions_healthy()
    )
    if not database:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    word = {True: "ok", False: "down"}
    return HealthOut(
        status="ok" if database and rasa and actions else "degraded",
        database=word[database],
        rasa=word[rasa],
        actions=word[actions],
    )
