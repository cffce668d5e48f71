"""Writing single places (admin API): validated exactly like a CSV import row.

A place sent as JSON is turned into a one-row CSV file in the import format and goes
through ``helpdesk.places`` validation and import, so the API and the CSV import can
never disagree about what a valid place is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from helpdesk.places.csvio import COLUMNS, RowError, read_places, to_row
from helpdesk.places.geo import get_geography
from helpdesk.places.models import Place
from helpdesk.places.service import get_place, import_places

Cell = str | int | float | bool | list[str] | None


class PlaceNotFound(LookupError):
    """No place with this key."""


class PlaceExists(ValueError):
    """A place with this key exists already."""


class PlaceInvalid(ValueError):
    """The place breaks the registry's rules; ``errors`` says where and why (German)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} Fehler")
        self.errors = errors


@dataclass(frozen=True)
class PlaceView:
    """A stored place as the API returns it: its id and its CSV cells."""

    id: int
    cells: dict[str, str]


def to_cells(data: Mapping[str, Cell]) -> dict[str, str]:
    """JSON values to CSV cells (lists joined by ";", booleans as ja/nein)."""
    unknown = sorted(set(data) - set(COLUMNS))
    if unknown:
        raise PlaceInvalid([RowError(1, name, "unbekanntes Feld") for name in unknown])
    cells: dict[str, str] = {}
    for column in COLUMNS:
        value = data.get(column)
        if value is None:
            cells[column] = ""
        elif isinstance(value, bool):
            cells[column] = "ja" if value else "nein"
        elif isinstance(value, list):
            cells[column] = "; ".join(str(item) for item in value)
        else:
            cells[column] = str(value)
    return cells


def validate(cells: dict[str, str]) -> None:
    """Raise ``PlaceInvalid`` with every problem of this place."""
    _records, errors = read_places(_one_row_csv(cells), get_geography())
    if errors:
        raise PlaceInvalid([RowError(1, e.column, e.message) for e in errors])


def list_views(session: Session) -> list[PlaceView]:
    places = session.scalars(select(Place.key).order_by(Place.key))
    return [view for key in places if (view := get_view(session, key)) is not None]


def get_view(session: Session, key: str) -> PlaceView | None:
    record = get_place(session, key)
    if record is None:
        return None
    place_id = session.scalar(select(Place.id).where(Place.key == key))
    assert place_id is not None
    return PlaceView(id=place_id, cells=to_row(record))


def create_place(session: Session, cells: dict[str, str]) -> PlaceView:
    """Add a place. Raises ``PlaceInvalid`` or ``PlaceExists``."""
    validate(cells)
    if session.scalar(select(Place.id).where(Place.key == cells["key"])) is not None:
        raise PlaceExists(cells["key"])
    return _save(session, cells)


def update_place(session: Session, key: str, cells: dict[str, str]) -> PlaceView:
    """Replace a place's data (its key stays). Raises ``PlaceNotFound`` or ``PlaceInvalid``."""
    if session.scalar(select(Place.id).where(Place.key == key)) is None:
        raise PlaceNotFound(key)
    cells = {**cells, "key": key}
    validate(cells)
    return _save(session, cells)


def delete_place(session: Session, key: str) -> int:
    """Remove a place; returns its id. Raises ``PlaceNotFound``."""
    place_id = session.scalar(select(Place.id).where(Place.key == key))
    if place_id is None:
        raise PlaceNotFound(key)
    session.execute(delete(Place).where(Place.id == place_id))
    return place_id


def _save(session: Session, cells: dict[str, str]) -> PlaceView:
    import_places(session, _one_row_csv(cells), replace=False)
    view = get_view(session, cells["key"])
    assert view is not None
    return view


def _one_row_csv(cells: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(cells)
    return out.getvalue()
