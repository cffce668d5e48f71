"""A fixed test registry for the routing tests (independent of the shipped example data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.places.csvio import read_places
from helpdesk.places.geo import get_geography
from helpdesk.places.record import PlaceRecord

FIXTURE = Path(__file__).resolve().parent / "places_fixture.csv"


def load_fixture() -> list[PlaceRecord]:
    places, errors = read_places(FIXTURE.read_text(encoding="utf-8"), get_geography())
    assert errors == []
    return places


@pytest.fixture(scope="session")
def registry() -> list[PlaceRecord]:
    return load_fixture()
