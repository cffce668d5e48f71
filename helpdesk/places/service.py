"""Use cases of the place registry. Each function runs inside the caller's unit of work.

Import replaces the registry with a validated CSV file (all or nothing); export writes
it back in the same canonical form, so export → import changes nothing. Routing reads a
cached snapshot of the registry that is refreshed when the table changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.db import utcnow
from helpdesk.places.csvio import RowError, read_places, to_row, write_places
from helpdesk.places.geo import Geography, Resolution, get_geography
from helpdesk.places.hours import parse_closures, parse_week
from helpdesk.places.models import Place
from helpdesk.places.needs import Need, get_needs
from helpdesk.places.record import (
    Accessibility,
    OperatorType,
    PlaceRecord,
    Service,
    TargetGroup,
)
from helpdesk.places.routing import RouteResult, route

EXAMPLE_CSV = Path(__file__).resolve().parent / "data" / "places_example.csv"


class PlaceImportError(ValueError):
    """A CSV file with errors; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} Fehler in der Datei, nichts importiert")
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    """What an import changed."""

    created: int
    updated: int
    deleted: int
    unchanged: int


def import_places(
    session: Session, text: str, *, replace: bool = True, geography: Geography | None = None
) -> ImportReport:
    """Validate a CSV file and make the registry match it.

    Args:
        session: the unit of work (the caller commits).
        text: the CSV file's content.
        replace: delete places whose key is not in the file.
        geography: the geography to validate against (the shipped one by default).

    Raises:
        PlaceImportError: with every bad row, if any; nothing is changed then.
    """
    records, errors = read_places(text, geography or get_geography())
    if errors:
        raise PlaceImportError(errors)
    existing = {place.key: place for place in session.scalars(select(Place))}
    created = updated = unchanged = deleted = 0
    now = utcnow()
    for record in records:
        row = _columns(record)
        place = existing.pop(record.key, None)
        if place is None:
            session.add(Place(**row, created_at=now, updated_at=now))
            created += 1
        elif any(getattr(place, name) != value for name, value in row.items()):
            for name, value in row.items():
                setattr(place, name, value)
            place.updated_at = now
            updated += 1
        else:
            unchanged += 1
    if replace:
        for place in existing.values():
            session.delete(place)
            deleted += 1
    session.flush()
    return ImportReport(created, updated, deleted, unchanged)


def export_places(session: Session) -> str:
    """The whole registry as CSV (the import format)."""
    return write_places(list_places(session))


def seed_example_places(session: Session) -> int:
    """Import the shipped example data if the registry is empty; returns places added."""
    if session.scalar(select(func.count()).select_from(Place)):
        return 0
    report = import_places(session, EXAMPLE_CSV.read_text(encoding="utf-8"), replace=False)
    return report.created


def list_places(session: Session, *, stadtbezirk: str | None = None) -> list[PlaceRecord]:
    """Every place (optionally of one Stadtbezirk), ordered by key."""
    query = select(Place).order_by(Place.key)
    if stadtbezirk is not None:
        query = query.where(Place.stadtbezirk == stadtbezirk)
    return [to_record(place) for place in session.scalars(query)]


def get_place(session: Session, key: str) -> PlaceRecord | None:
    """One place by its key."""
    place = session.scalar(select(Place).where(Place.key == key))
    return None if place is None else to_record(place)


def _columns(record: PlaceRecord) -> dict[str, object]:
    cells = to_row(record)
    return {
        "key": record.key,
        "name": record.name,
        "operator_type": str(record.operator_type),
        "street": record.street,
        "postcode": record.postcode,
        "stadtbezirk": record.stadtbezirk,
        "stadtteil": record.stadtteil,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "stufe": record.stufe,
        "services": [str(s) for s in Service if s in record.services],
        "target_groups": [str(g) for g in TargetGroup if g in record.target_groups],
        "accessibility": str(record.accessibility),
        "accessibility_notes": record.accessibility_notes,
        "languages": list(record.languages),
        "phone": record.phone,
        "email": record.email,
        "opening_hours": cells["opening_hours"],
        "consultation_hours": cells["consultation_hours"],
        "closures": cells["closures"],
        "is_example_data": record.is_example_data,
    }


def to_record(place: Place) -> PlaceRecord:
    """The plain-data form of a stored place (stored values were validated on import)."""
    return PlaceRecord(
        key=place.key,
        name=place.name,
        operator_type=OperatorType(place.operator_type),
        street=place.street,
        postcode=place.postcode,
        stadtbezirk=place.stadtbezirk,
        stadtteil=place.stadtteil,
        latitude=place.latitude,
        longitude=place.longitude,
        stufe=place.stufe,
        services=frozenset(Service(s) for s in place.services),
        target_groups=frozenset(TargetGroup(g) for g in place.target_groups),
        accessibility=Accessibility(place.accessibility),
        accessibility_notes=place.accessibility_notes,
        languages=tuple(place.languages),
        phone=place.phone,
        email=place.email,
        opening_hours=parse_week(place.opening_hours),
        consultation_hours=parse_week(place.consultation_hours),
        closures=parse_closures(place.closures),
        is_example_data=place.is_example_data,
    )


class PlaceSnapshot:
    """The registry in memory for routing, reloaded when the table changed.

    The check is one cheap aggregate query per call, so several app processes sharing a
    database see each other's imports without any messaging.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: tuple[object, ...] | None = None
        self._places: list[PlaceRecord] = []

    def places(self, session: Session) -> list[PlaceRecord]:
        """The current places."""
        fingerprint = tuple(
            session.execute(
                select(func.count(), func.max(Place.updated_at), func.sum(Place.id))
            ).one()
        )
        with self._lock:
            if fingerprint != self._fingerprint:
                self._places = list_places(session)
                self._fingerprint = fingerprint
            return self._places


@dataclass(frozen=True)
class RouteQuery:
    """A citizen's request: where (any of three forms) and what (keys and/or text)."""

    stadtbezirk: str | None = None
    postcode: str | None = None
    text: str = ""
    needs: tuple[str, ...] = ()
    wheelchair: bool = False
    language: str | None = None
    target_group: TargetGroup | None = None
    limit: int = 3
    offset: int = 0


@dataclass(frozen=True)
class RouteAnswer:
    """Ranked places plus what was understood; ``ask_location`` when the place is unknown."""

    location: Resolution
    need: Need
    result: RouteResult
    ask_location: bool = field(default=False)


def resolve_location(
    *,
    stadtbezirk: str | None = None,
    postcode: str | None = None,
    text: str = "",
    geography: Geography | None = None,
) -> Resolution:
    """Where the citizen is: a named Stadtbezirk wins, then a postcode, then free text."""
    geography = geography or get_geography()
    if stadtbezirk:
        found = geography.resolve(stadtbezirk)
        if found.stadtbezirk is not None:
            return found
    if postcode:
        found = geography.resolve_postcode(postcode.strip())
        if found.stadtbezirk is not None:
            return found
    return geography.resolve(text) if text else Resolution(None)


def route_citizen(
    session: Session,
    query: RouteQuery,
    *,
    snapshot: PlaceSnapshot | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> RouteAnswer:
    """Rank the places that fit the citizen's need, nearest and soonest first.

    Raises:
        helpdesk.places.needs.UnknownNeed: a need key that is not in the catalogue.
    """
    geography = get_geography()
    location = resolve_location(
        stadtbezirk=query.stadtbezirk, postcode=query.postcode, text=query.text
    )
    need = get_needs().build(
        query.needs,
        text=query.text,
        wheelchair=query.wheelchair,
        language=query.language,
        target_group=query.target_group,
    )
    places = snapshot.places(session) if snapshot else list_places(session)
    result = route(
        places,
        need,
        location.stadtbezirk,
        geography,
        clock(),
        limit=query.limit,
        offset=query.offset,
    )
    return RouteAnswer(location, need, result, ask_location=location.stadtbezirk is None)
