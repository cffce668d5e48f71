"""Whole months come from the monthly counters, edge days from the events: same figures."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.analytics.events import Demand, record, refresh_months
from helpdesk.analytics.models import OUTCOMES, DemandEvent, DemandMonth, Outcome
from helpdesk.analytics.queries import (
    DEMAND_OUTCOMES,
    Dimension,
    Filters,
    demand_by,
    has_generated,
    top_unanswered,
)
from helpdesk.analytics.source import _edge_days, _full_months, local_today
from helpdesk.db import Database

DISTRICTS = ["Eving", "Hörde", None]


def _random_events(db: Database, n: int = 400) -> None:
    rng = random.Random(11)
    start = datetime(2026, 1, 25, 6, 0, tzinfo=UTC)
    with db.session() as session:
        for i in range(n):
            at = start + timedelta(hours=rng.randrange(0, 24 * 90))
            demand = Demand(
                rng.choice(["sms", "web", "telegram"]),
                Outcome(rng.choice(OUTCOMES)),
                stadtbezirk=rng.choice(DISTRICTS),
                topic=rng.choice(["fotos", "sicherheit", None]),
                level_needed=rng.choice([None, 2, 3]),
            )
            record(session, demand, ref=f"r{i}", at=at)


def _raw_totals(db: Database, filters: Filters) -> dict[str, int]:
    district = func.coalesce(DemandEvent.stadtbezirk, "unbekannt")
    stmt = (
        select(district, func.count())
        .where(
            DemandEvent.day >= filters.start,
            DemandEvent.day <= filters.end,
            DemandEvent.outcome.in_([o.value for o in DEMAND_OUTCOMES]),
            *([DemandEvent.channel == filters.channel] if filters.channel else []),
        )
        .group_by(district)
    )
    with db.read_session() as session:
        return {k: int(v) for k, v in session.execute(stmt)}


@pytest.mark.parametrize(
    ("start", "end", "channel"),
    [
        (date(2026, 2, 1), date(2026, 2, 28), None),  # one whole month
        (date(2026, 2, 10), date(2026, 4, 5), None),  # edges on both sides
        (date(2026, 1, 1), date(2026, 12, 31), "sms"),  # whole months and a filter
        (date(2026, 3, 3), date(2026, 3, 17), "web"),  # inside one month only
    ],
)
def test_counts_equal_the_raw_events(
    db: Database, start: date, end: date, channel: str | None
) -> None:
    _random_events(db)
    filters = Filters(start, end, channel=channel)
    with db.read_session() as session:
        table = demand_by(session, filters, Dimension.STADTBEZIRK)
    assert {str(r["key"]): r["total"] for r in table.rows} == _raw_totals(db, filters)


def test_live_counters_equal_a_recount(db: Database) -> None:
    _random_events(db)

    def counters() -> set[tuple[object, ...]]:
        with db.read_session() as session:
            return {tuple(row) for row in session.execute(select(DemandMonth.__table__))}

    live = counters()
    with db.session() as session:
        refresh_months(session, ["2026-01", "2026-02", "2026-03", "2026-04"])
    assert counters() == live and live


def test_generated_flag_and_unanswered_topics(db: Database) -> None:
    with db.session() as session:
        for i in range(6):
            demand = Demand("sms", Outcome.UNANSWERED, topic="waschmaschine")
            record(
                session, demand, ref=f"g{i}", at=datetime(2026, 5, 2, tzinfo=UTC), generated=True
            )
    whole_may = Filters(date(2026, 5, 1), date(2026, 5, 31))
    june = Filters(date(2026, 6, 1), date(2026, 6, 30))
    with db.read_session() as session:
        assert has_generated(session, whole_may)
        assert not has_generated(session, june)
        rows = top_unanswered(session, Filters(date(2026, 4, 20), date(2026, 5, 31))).rows
    assert rows == [{"topic": "waschmaschine", "n": 6}]


def test_the_current_month_up_to_today_comes_from_its_counter(db: Database) -> None:
    """The default range ends today: this month is read from its counter, so the page
    does not count more raw events with every request of the month (issue 17's soak)."""
    today = local_today()
    start = date(today.year - 1, today.month, 1)
    months = _full_months(start, today, today)
    assert months[-1] == today.isoformat()[:7]
    assert all(b < today.replace(day=1) for _, b in _edge_days(start, today, months))
    # Without "today" the running month is an edge read from the events, as before.
    assert today.isoformat()[:7] not in _full_months(start, today) or today.day == _month_end(today)
    # And the figures are the same as counting the events.
    now = datetime.now(UTC)
    with db.session() as session:
        for i, district in enumerate(["Eving", "Hörde", "Eving", None]):
            record(
                session, Demand("sms", Outcome.ANSWERED, stadtbezirk=district), ref=f"t{i}", at=now
            )
    filters = Filters(start, today)
    with db.read_session() as session:
        table = demand_by(session, filters, Dimension.STADTBEZIRK)
    assert {str(r["key"]): r["total"] for r in table.rows} == _raw_totals(db, filters)


def _month_end(day: date) -> int:
    return ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
