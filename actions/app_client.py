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
    """One article found for a question (or fetched by id)."""

    id: str
    title: str
    answer: str
    confidence: float
    confident: bool
    sms: str = ""
    easy: str = ""


@dataclass(frozen=True)
class KnowledgeResult:
    """The app's verdict on a question: "answer" (hits[0] fits), "choices" (offer the
    hits), or "none" (nothing fits: offer a place or a human)."""

    outcome: str
    hits: list[KnowledgeHit]


def _hit(item: dict[str, Any]) -> KnowledgeHit:
    return KnowledgeHit(
        id=item["id"],
        title=item["title"],
        answer=item["answer"],
        confidence=float(item.get("confidence", 1.0)),
        confident=bool(item.get("confident", True)),
        sms=item.get("sms") or "",
        easy=item.get("easy") or "",
    )


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
        return [_hit(item) for item in data.get("results", [])]

    async def answer_question(
        self,
        question: str,
        *,
        sender: str | None = None,
        stadtbezirk: str | None = None,
        record: bool = True,
    ) -> KnowledgeResult:
        """Search for a citizen's question; the app records it (redacted) when nothing fits,
        and a pseudonymous demand event for ``sender``. ``record=False`` only looks (a
        second look at a message that may turn out to be a place search)."""
        data = await self._post(
            "/internal/knowledge/search",
            {
                "query": question,
                "limit": 3,
                "record_unanswered": record,
                "sender": sender if record else None,
                "stadtbezirk": stadtbezirk,
            },
        )
        hits = [_hit(item) for item in data.get("results", [])]
        return KnowledgeResult(outcome=str(data.get("outcome") or "none"), hits=hits)

    async def get_article(self, article_id: str) -> KnowledgeHit | None:
        """One article by id, or None if there is no such article (any more)."""
        data = await self._post("/internal/knowledge/article", {"id": article_id})
        article = data.get("article")
        return _hit(article) if article else None

    async def record_feedback(
        self,
        article_id: str,
        helpful: bool,
        channel: str,
        *,
        sender: str | None = None,
        stadtbezirk: str | None = None,
    ) -> None:
        """Count "Hat (nicht) geholfen" for an article; no text. ``sender`` only keys the
        pseudonymous demand event."""
        await self._post(
            "/internal/knowledge/feedback",
            {
                "article_id": article_id,
                "helpful": helpful,
                "channel": channel,
                "sender": sender,
                "stadtbezirk": stadtbezirk,
            },
        )

    async def resolve_location(self, text: str, postcode: str | None) -> str | None:
        """The Stadtbezirk the text or postcode points to, if it is unambiguous."""
        location = await self.locate(text, postcode)
        return None if location.ambiguous else location.stadtbezirk

    async def locate(self, text: str, postcode: str | None = None) -> Location:
        """Where a text says the citizen is (a Stadtbezirk, a Stadtteil, a postcode or a
        landmark anywhere in it), from the app's one geography table."""
        data = await self._post("/internal/places/resolve", {"text": text, "postcode": postcode})
        return Location(
            stadtbezirk=data.get("stadtbezirk"),
            candidates=tuple(str(c) for c in data.get("candidates") or ()),
            ambiguous=bool(data.get("ambiguous")),
            postcode=data.get("postcode"),
        )

    async def place_details(self, keys: list[str], question: str) -> list[str]:
        """German lines answering a follow-up about the places shown before."""
        data = await self._post("/internal/places/details", {"keys": keys, "question": question})
        return [str(line) for line in data.get("lines") or []]

    async def route_places(
        self,
        *,
        text: str,
        stadtbezirk: str | None,
        postcode: str | None,
        limit: int = 2,
        offset: int = 0,
        sender: str | None = None,
    ) -> PlaceRouting:
        """Places that fit the request, best first (``sender``: for pseudonymous analytics)."""
        data = await self._post(
            "/internal/places/route",
            {
                "text": text,
                "stadtbezirk": stadtbezirk,
                "postcode": postcode,
                "limit": limit,
                "offset": offset,
                "sender": sender,
            },
        )
        return PlaceRouting(
            stadtbezirk=(data.get("location") or {}).get("stadtbezirk"),
            ask_location=bool(data.get("ask_location")),
            notice=data.get("notice"),
            places=[_place(item) for item in data.get("places", [])],
            next_offset=data.get("next_offset"),
        )

    async def preview_handoff(self, stadtbezirk: str | None) -> HandoffPlan:
        """Which help desk queue would take the request, and when someone is there."""
        data = await self._post("/internal/tickets/preview", {"stadtbezirk": stadtbezirk})
        return HandoffPlan(place=data["place_name"], when=data["when"], ticket_id=None)

    async def create_ticket(self, request: dict[str, Any]) -> HandoffPlan:
        """Open the ticket the citizen agreed to (the app returns an open one, if any)."""
        data = await self._post("/internal/tickets", request)
        return HandoffPlan(place=data["place_name"], when=data["when"], ticket_id=data["ticket_id"])


@dataclass(frozen=True)
class Location:
    """A place named in a message: the Stadtbezirk, or the candidates when it spans
    several (a postcode on a border, "Innenstadt")."""

    stadtbezirk: str | None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False
    postcode: str | None = None


@dataclass(frozen=True)
class HandoffPlan:
    """Where a handoff goes ("Stadtbibliothek Hörde") and when ("morgen 10–12 Uhr ...")."""

    place: str
    when: str
    ticket_id: int | None


@dataclass(frozen=True)
class PlaceFound:
    """One routed place, with German reasons and a short SMS form from the app."""

    name: str
    address: str
    reasons: list[str]
    sms: str
    is_example_data: bool
    key: str = ""


@dataclass(frozen=True)
class PlaceRouting:
    """The app's answer to "where can I get help?"."""

    stadtbezirk: str | None
    ask_location: bool
    notice: str | None
    places: list[PlaceFound]
    next_offset: int | None


def _place(item: dict[str, Any]) -> PlaceFound:
    address = ", ".join(
        part
        for part in (item.get("street") or "", f"{item.get('postcode') or ''} Dortmund".strip())
        if part and part != "Dortmund"
    ) or (item.get("stadtteil") or item.get("stadtbezirk") or "")
    return PlaceFound(
        name=item["name"],
        address=address,
        reasons=list(item.get("reasons") or []),
        sms=item.get("sms") or "",
        is_example_data=bool(item.get("is_example_data")),
        key=str(item.get("key") or ""),
    )


@lru_cache(maxsize=1)
def get_app_client() -> AppClient:
    """The process-wide client, created on first use (never at import time)."""
    return AppClient(get_settings())
