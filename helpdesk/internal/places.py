"""Place routing and location resolution for the action server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from helpdesk.analytics.events import record_for_sender
from helpdesk.analytics.models import Outcome
from helpdesk.db import Database, utcnow
from helpdesk.deps import DbDep, SettingsDep
from helpdesk.internal.auth import require_internal_caller
from helpdesk.places.details import DetailAnswer, describe
from helpdesk.places.geo import Resolution
from helpdesk.places.models import Place
from helpdesk.places.needs import UnknownNeed, get_needs
from helpdesk.places.record import TargetGroup
from helpdesk.places.routing import RoutedPlace
from helpdesk.places.service import (
    PlaceSnapshot,
    RouteAnswer,
    RouteQuery,
    resolve_location,
    route_citizen,
)
from helpdesk.settings import Settings

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/internal/places",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)


class RouteIn(BaseModel):
    stadtbezirk: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=10)
    text: str = Field(default="", max_length=4000)
    need: str | list[str] = Field(default_factory=list, description="need key(s), e.g. kurs")

    @field_validator("need")
    @classmethod
    def _known_needs(cls, value: str | list[str]) -> str | list[str]:
        """An unknown need key is a 422 in FastAPI's documented validation shape."""
        catalogue = get_needs().entries
        keys = [value] if isinstance(value, str) else value[:10]
        unknown = next((key for key in keys if key not in catalogue), None)
        if unknown is not None:
            raise ValueError(f"unbekannter Bedarf: {unknown[:40]}")
        return value

    wheelchair: bool = False
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    target_group: TargetGroup | None = None
    limit: int = Field(default=3, ge=1, le=10)
    offset: int = Field(default=0, ge=0, le=10_000)
    sender: str | None = Field(
        default=None, max_length=128, description="the conversation's pseudonym, for analytics"
    )


class ResolveIn(BaseModel):
    text: str = Field(default="", max_length=4000)
    postcode: str | None = Field(default=None, max_length=10)


class LocationOut(BaseModel):
    stadtbezirk: str | None
    stadtteil: str | None
    postcode: str | None
    candidates: list[str]
    ambiguous: bool
    matched: str | None
    method: str | None


class NeedOut(BaseModel):
    keys: list[str]
    min_stufe: int
    services: list[str]
    target_group: str | None
    wheelchair: bool
    language: str | None


class PlaceOut(BaseModel):
    rank: int
    key: str
    name: str
    operator_type: str
    street: str
    postcode: str
    stadtbezirk: str
    stadtteil: str
    stufe: int
    accessibility: str
    phone: str
    email: str
    latitude: float | None
    longitude: float | None
    tier: str
    distance_km: float | None
    next_start: str | None
    open_now: bool
    reasons: list[str]
    sms: str
    is_example_data: bool


class RouteOut(BaseModel):
    location: LocationOut
    ask_location: bool
    need: NeedOut
    notice: str | None
    total: int
    offset: int
    next_offset: int | None
    places: list[PlaceOut]


def get_clock() -> Callable[[], datetime]:
    return utcnow


def get_snapshot(request: Request) -> PlaceSnapshot:
    snapshot: PlaceSnapshot | None = getattr(request.app.state, "place_snapshot", None)
    if snapshot is None:
        snapshot = PlaceSnapshot()
        request.app.state.place_snapshot = snapshot
    return snapshot


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
SnapshotDep = Annotated[PlaceSnapshot, Depends(get_snapshot)]


@router.post("/route", response_model=RouteOut)
async def route(
    body: RouteIn, db: DbDep, snapshot: SnapshotDep, clock: ClockDep, settings: SettingsDep
) -> RouteOut:
    """Places that fit the citizen's need, ranked, with German reasons and an SMS form."""
    query = RouteQuery(
        stadtbezirk=body.stadtbezirk,
        postcode=body.postcode,
        text=body.text,
        needs=(body.need,) if isinstance(body.need, str) else tuple(body.need[:10]),
        wheelchair=body.wheelchair,
        language=body.language,
        target_group=body.target_group,
        limit=body.limit,
        offset=body.offset,
    )

    def run() -> RouteAnswer:
        with db.read_session() as session:
            return route_citizen(session, query, snapshot=snapshot, clock=clock)

    try:
        answer = await run_in_threadpool(run)
    except UnknownNeed as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"unbekannter Bedarf: {error}"
        ) from error
    if body.sender and body.offset == 0 and answer.result.places:
        await run_in_threadpool(_record_routed, db, settings, body.sender, answer)
    return _route_out(answer)


def _record_routed(db: Database, settings: Settings, sender: str, answer: RouteAnswer) -> None:
    """A demand event for the first page of places (not for "andere Orte")."""
    first = answer.result.places[0].place
    try:
        with db.session() as session:
            place_id = session.scalar(select(Place.id).where(Place.key == first.key))
            record_for_sender(
                session,
                sender=sender,
                key=settings.pseudonym_key.get_secret_value(),
                outcome=Outcome.ROUTED,
                stadtbezirk=answer.location.stadtbezirk,
                level_needed=answer.need.min_stufe,
                place_id=place_id,
            )
    except Exception as exc:  # analytics must never cost the citizen their answer
        log.warning("analytics: routing event not recorded (%s)", type(exc).__name__)


class DetailsIn(BaseModel):
    keys: list[str] = Field(max_length=10, description="places the bot showed, in order")
    question: str = Field(default="", max_length=2000)


class DetailsOut(BaseModel):
    aspects: list[str]
    lines: list[str] = Field(description="German, one per place and aspect asked")


@router.post("/details", response_model=DetailsOut)
async def details(body: DetailsIn, db: DbDep, snapshot: SnapshotDep) -> DetailsOut:
    """Answer a follow-up about places just shown ("Und wann haben die offen?")."""

    def run() -> DetailAnswer:
        with db.read_session() as session:
            by_key = {place.key: place for place in snapshot.places(session)}
        return describe([by_key[k] for k in body.keys if k in by_key], body.question)

    answer = await run_in_threadpool(run)
    return DetailsOut(aspects=list(answer.aspects), lines=list(answer.lines))


@router.post("/resolve", response_model=LocationOut)
async def resolve(body: ResolveIn) -> LocationOut:
    """Free text ("wohne in Barop", "44263") → Stadtbezirk, with candidates if unsure."""
    return _location_out(resolve_location(postcode=body.postcode, text=body.text))


def _location_out(location: Resolution) -> LocationOut:
    return LocationOut(
        stadtbezirk=location.stadtbezirk,
        stadtteil=location.stadtteil,
        postcode=location.postcode,
        candidates=list(location.candidates),
        ambiguous=location.ambiguous,
        matched=location.matched,
        method=location.method,
    )


def _route_out(answer: RouteAnswer) -> RouteOut:
    result = answer.result
    end = result.offset + len(result.places)
    need = answer.need
    return RouteOut(
        location=_location_out(answer.location),
        ask_location=answer.ask_location,
        need=NeedOut(
            keys=list(need.keys),
            min_stufe=need.min_stufe,
            services=sorted(need.services),
            target_group=need.target_group,
            wheelchair=need.wheelchair,
            language=need.language,
        ),
        notice=result.notice,
        total=result.total,
        offset=result.offset,
        next_offset=end if end < result.total else None,
        places=[_place_out(routed) for routed in result.places],
    )


def _place_out(routed: RoutedPlace) -> PlaceOut:
    place, slot = routed.place, routed.slot
    next_start = None
    if slot is not None:
        next_start = f"{slot.day.isoformat()}T{slot.span.start.isoformat(timespec='minutes')}"
    return PlaceOut(
        rank=routed.rank,
        key=place.key,
        name=place.name,
        operator_type=place.operator_type,
        street=place.street,
        postcode=place.postcode,
        stadtbezirk=place.stadtbezirk,
        stadtteil=place.stadtteil,
        stufe=place.stufe,
        accessibility=place.accessibility,
        phone=place.phone,
        email=place.email,
        latitude=place.latitude,
        longitude=place.longitude,
        tier=routed.tier,
        distance_km=routed.distance_km,
        next_start=next_start,
        open_now=bool(slot and slot.now_open),
        reasons=list(routed.reasons),
        sms=routed.sms,
        is_example_data=place.is_example_data,
    )
