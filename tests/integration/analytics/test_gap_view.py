"""The gap view against a small fixture computed by hand (SQLite and PostgreSQL).

Fixture: three districts; Eving 10,000 inhabitants, one Stufe-1 place with 2 staffed hours a
week; Scharnhorst 20,000, no place; Hombruch 40,000, a Stufe-3 place (8 h) and a Stufe-4
place (2 h). Demand in the range: Eving 20 (10 answered, 6 routed needing Stufe 3,
4 handed off needing Stufe 1) plus 3 feedback events that are not demand; Scharnhorst 8
answered; Hombruch 10 (5 answered, 5 routed needing Stufe 2). Outside the range: 2 more
in Eving. Without a district: 4.

By hand: city demand 38, city staffed hours 12, so 38/12 = 3.1667 requests per hour.
Eving: 20 per 10,000 = 2.00 per 1,000; 2 h = 0.20 per 1,000; pressure (20/2)/3.1667 = 3.16
-> under-served; 6 requests needing Stufe 3 and no place of Stufe >= 3 -> Stufe 3 missing.
Scharnhorst: 0.40 per 1,000; no staffed hours -> under-served; pressure not computable.
Hombruch: 0.25 per 1,000; 10 h = 0.25 per 1,000; pressure (10/10)/3.1667 = 0.32.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from helpdesk.analytics.events import Demand, record
from helpdesk.analytics.export import to_csv
from helpdesk.analytics.models import Outcome
from helpdesk.analytics.population import Population
from helpdesk.analytics.queries import Filters, gap_view, outcomes_by_district
from helpdesk.db import Database
from helpdesk.places.models import Place

POPULATION = Population(
    inhabitants={"Eving": 10_000, "Scharnhorst": 20_000, "Hombruch": 40_000},
    source="Testdaten",
    year=2026,
    approximate=False,
)
IN_RANGE = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
BEFORE = datetime(2026, 2, 27, 11, 0, tzinfo=UTC)
RANGE = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))


def _place(key: str, district: str, stufe: int, hours: str) -> Place:
    return Place(
        key=key,
        name=key,
        operator_type="bibliothek",
        stadtbezirk=district,
        stufe=stufe,
        accessibility="ja",
        consultation_hours=hours,
    )


def _events(db: Database, district: str | None, outcome: Outcome, n: int, **kw: object) -> None:
    at = kw.pop("at", IN_RANGE)
    assert isinstance(at, datetime)
    with db.session() as session:
        for i in range(n):
            demand = Demand("sms", outcome, stadtbezirk=district, topic="fotos", **kw)  # type: ignore[arg-type]
            record(session, demand, ref=f"ref-{district}-{outcome}-{i}", at=at)


def _fixture(db: Database) -> None:
    with db.session() as session:
        session.add_all(
            [
                _place("ev1", "Eving", 1, "Mo 10:00-12:00"),
                _place("hb3", "Hombruch", 3, "Di 10:00-14:00; Do 10:00-14:00"),
                _place("hb4", "Hombruch", 4, "Fr 09:00-11:00"),
            ]
        )
    _events(db, "Eving", Outcome.ANSWERED, 10)
    _events(db, "Eving", Outcome.ROUTED, 6, level_needed=3)
    _events(db, "Eving", Outcome.HANDED_OFF, 4, level_needed=1)
    _events(db, "Eving", Outcome.HELPFUL, 3)
    _events(db, "Eving", Outcome.ANSWERED, 2, at=BEFORE)
    _events(db, "Scharnhorst", Outcome.ANSWERED, 8)
    _events(db, "Hombruch", Outcome.ANSWERED, 5)
    _events(db, "Hombruch", Outcome.ROUTED, 5, level_needed=2)
    _events(db, None, Outcome.ANSWERED, 4)


def _shown(table: object, district: str) -> dict[str, str]:
    from helpdesk.analytics.tables import Table

    assert isinstance(table, Table)
    keys = [c.key for c in table.columns]
    for row, shown in zip(table.rows, table.display_rows(), strict=True):
        if row["district"] == district:
            return dict(zip(keys, shown, strict=True))
    raise AssertionError(f"{district} missing")


def test_gap_view_matches_the_hand_computed_figures(db: Database) -> None:
    _fixture(db)
    with db.read_session() as session:
        table = gap_view(session, RANGE, POPULATION)
    eving = _shown(table, "Eving")
    assert eving["demand"] == "20"
    assert eving["demand_per_1000"] == "2,00"
    assert eving["hours"] == "2,00"
    assert eving["hours_per_1000"] == "0,20"
    assert eving["pressure"] == "3,16"
    assert eving["under_served"] == "ja"
    assert eving["missing_levels"] == "Stufe 3"
    assert eving["demand_l3"] == "6"
    assert eving["demand_l1"] == "< 5"
    scharnhorst = _shown(table, "Scharnhorst")
    assert scharnhorst["demand_per_1000"] == "0,40"
    assert scharnhorst["hours"] == "0,00"
    assert scharnhorst["pressure"] == "–"
    assert scharnhorst["under_served"] == "ja"
    hombruch = _shown(table, "Hombruch")
    assert hombruch["demand_per_1000"] == "0,25"
    assert hombruch["hours_per_1000"] == "0,25"
    assert hombruch["pressure"] == "0,32"
    assert hombruch["under_served"] == "nein"
    assert hombruch["missing_levels"] == ""
    assert hombruch["hours_l3"] == "10,00" and hombruch["hours_l4"] == "2,00"


def test_a_district_filter_keeps_the_city_as_reference(db: Database) -> None:
    _fixture(db)
    only_eving = Filters(start=RANGE.start, end=RANGE.end, stadtbezirk="Eving")
    with db.read_session() as session:
        table = gap_view(session, only_eving, POPULATION)
    assert [row["district"] for row in table.rows] == ["Eving"]
    assert _shown(table, "Eving")["pressure"] == "3,16"
    assert "Eving;10000;20;2,00;2,00;0,20;3,16;ja;Stufe 3" in to_csv(table)


def test_resolution_and_handoff_rates(db: Database) -> None:
    _fixture(db)
    with db.read_session() as session:
        table = outcomes_by_district(session, RANGE)
    eving = _shown(table, "Eving")
    # questions = answered 10 + handed off 4 (routed is not a question the bot answers)
    assert eving["questions"] == "14"
    assert eving["resolution_rate"] == "71 %"
    assert eving["handed_off"] == "< 5"
    assert eving["handoff_rate"] == "–"
    total = _shown(table, "Dortmund gesamt")
    assert total["questions"] == str(10 + 4 + 8 + 5 + 4)


def test_outcomes_without_any_event_show_the_city_row(db: Database) -> None:
    """The "Ergebnisse" view of an empty range answered 500 (a KeyError)."""
    with db.read_session() as session:
        table = outcomes_by_district(session, RANGE)
    assert [row["district"] for row in table.rows] == ["Dortmund gesamt"]
    assert table.rows[0]["questions"] == 0 and table.rows[0]["resolution_rate"] is None
