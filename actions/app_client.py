"""The one HTTP client from the action server to the app's internal API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx

from actions.config import ActionSettings, get_settings


class AppUnavailable(Exception):
    """The app's internal API did not answer as expected."""


@dataclass(frozen=True)
class KnowledgeHit:
    """One article found for a question."""

    id: str
    title: str
    answer: str
    confidence: float
    confident: bool


class AppClient:
    """Calls the app's ``/internal`` API with the shared token."""

    def __init__(self, settings: ActionSettings) -> None:
        self._http = httpx.AsyncClient(
            base_url=settings.app_url,
            timeout=settings.timeout_seconds,
            headers={"Authorization": f"Bearer {settings.internal_api_token}"},
        )

    async def _post(self, path: str, payload: dict) -> Any:
        try:
            response = await self._http.post(path, json=payload)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AppUnavailable(f"{path}: {type(exc).__name__}") from exc

    async def search_knowledge(self, query: str, limit: int = 3) -> list[KnowledgeHit]:
        """Ranked knowledge articles for ``query``."""
        data = await self._post("/internal/knowledge/search", {"query": query, "limit": limit})
        return [
            KnowledgeHit(
                id=item["id"],
                title=item["title"],
                answer=item["answer"],
                confidence=float(item["confidence"]),
                confident=bool(item["confident"]),
            )
            for item in data.get("results", [])
        ]


@lru_cache(maxsize=1)
def get_app_client() -> AppClient:
    """The process-wide client, created on first use (never at import time)."""
    return AppClient(get_settings())
