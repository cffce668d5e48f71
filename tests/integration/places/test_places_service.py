"""The place registry on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk.db import Database
from helpdesk.places.service import (
    EXAMPLE_CSV,
    PlaceImportError,
    PlaceSnapshot,
    RouteQuery,
    export_places,
    get_place,
    import_places,
    list_places,
    route_citizen,
    seed_example_places,
)
from tests.unit.places.conftest import FIXTURE

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_export_then_reimport_gives_an_identical_registry(db: Database) -> None:
    with db.session() as session:
        report = import_places(session, EXAMPLE_CSV.read_text(encoding="utf-8"))
    assert report.created >= 40
    with db.read_session() as session:
        before = list_places(session)
        exported = export_places(session)
    with db.session() as session:
        report = import_places(session, exported)
    assert (report.created, report.updated, report.deleted) == (0, 0, 0)
    with db.read_session() as session:
        assert list_places(session) == before
        assert export_places(session) == exported


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(db: Database) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    lines[7] = lines[7].replace(",3,", ",7,", 1)
    with pytest.raises(PlaceImportError) as caught, db.session() as session:
        import_places(session, "\n".join(lines) + "\n")
    assert [str(error) for error in caught.value.errors] == [
        "Zeile 8, Spalte „stufe“: Stufe muss 1, 2, 3 oder 4 sein"
    ]
    with db.read_session() as session:
        assert list_places(session) == []


def test_import_updates_changed_rows_and_removes_missing_ones(db: Database) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    with db.session() as session:
        import_places(session, text)
    lines = [line for line in text.splitlines() if "mengede-treff" not in line]
    changed = "\n".join(lines).replace("Bibliothek Brackel", "Bibliothek Brackel-Asseln")
    with db.session() as session:
        report = import_places(session, changed + "\n")
    assert (report.created, report.updated, report.deleted) == (0, 1, 1)
    with db.read_session() as session:
        assert get_place(session, "mengede-treff") is None
        brackel = get_place(session, "brackel-bib")
        assert brackel is not None and brackel.name == "Bibliothek Brackel-Asseln"


def test_seed_loads_example_data_once(db: Database) -> None:
    with db.session() as session:
        assert seed_example_places(session) >= 40
    with db.session() as session:
        assert seed_example_places(session) == 0


def test_route_citizen_from_postcode_with_snapshot_refresh(db: Database) -> None:
    with db.session() as session:
        import_places(session, FIXTURE.read_text(encoding="utf-8"))
    snapshot = PlaceSnapshot()
    query = RouteQuery(postcode="44263", text="Ich brauche Hilfe mit dem Tablet")
    with db.read_session() as session:
        answer = route_citizen(session, query, snapshot=snapshot, clock=lambda: TUESDAY)
    assert answer.location.stadtbezirk == "Hörde" and not answer.ask_location
    assert answer.result.places[0].place.key == "hoerde-senioren"
    text = FIXTURE.read_text(encoding="utf-8")
    without = "\n".join(line for line in text.splitlines() if "hoerde-senioren" not in line)
    with db.session() as session:
        import_places(session, without + "\n")
    with db.read_session() as session:
        answer = route_citizen(session, query, snapshot=snapshot, clock=lambda: TUESDAY)
    assert "hoerde-senioren" not in [p.place.key for p in answer.result.places]


def test_route_citizen_without_location_asks_for_it(db: Database) -> None:
    with db.session() as session:
        import_places(session, FIXTURE.read_text(encoding="utf-8"))
    with db.read_session() as session:
        answer = route_citizen(
            session, RouteQuery(text="Ich brauche Hilfe mit dem Tablet"), clock=lambda: TUESDAY
        )
    assert answer.ask_location and answer.location.stadtbezirk is None
