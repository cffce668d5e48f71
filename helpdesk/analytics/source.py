"""What every figure is counted from: the ``Filters`` and the demand in their range.

Whole months come from the monthly roll-up (``demand_month``), the days at the edges of
the range from the event table (``demand_event``), so a year's figures stay fast with
millions of events. Neither table holds a personal datum.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select, union_all

from helpdesk.analytics.events import BERLIN
from helpdesk.analytics.models import DemandEvent, DemandMonth, Outcome

# Outcomes that stand for a citizen's request; feedback events follow one and are not demand.
DEMAND_OUTCOMES = (
    Outcome.ANSWERED,
    Outcome.CLARIFIED,
    Outcome.ROUTED,
    Outcome.HANDED_OFF,
    Outcome.UNANSWERED,
)
# Requests the bot could try to answer itself: the base of the resolution and handoff rates.
QUESTION_OUTCOMES = (Outcome.ANSWERED, Outcome.CLARIFIED, Outcome.UNANSWERED, Outcome.HANDED_OFF)
UNKNOWN_DISTRICT = "unbekannt"


class Dimension(enum.StrEnum):
    """What demand can be broken down by."""

    STADTBEZIRK = "stadtbezirk"
    TOPIC = "topic"
    COMPETENCE_AREA = "competence_area"
    CHANNEL = "channel"
    OUTCOME = "outcome"


DIMENSION_LABELS = {
    Dimension.STADTBEZIRK: "Stadtbezirk",
    Dimension.TOPIC: "Thema",
    Dimension.COMPETENCE_AREA: "Kompetenzbereich",
    Dimension.CHANNEL: "Kanal",
    Dimension.OUTCOME: "Ergebnis",
}


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, local days) and optional equality filters."""

    start: date
    end: date
    stadtbezirk: str | None = None
    topic: str | None = None
    competence_area: str | None = None
    channel: str | None = None
    outcome: str | None = None

    def without(self, dimension: Dimension) -> Filters:
        """The same filters without the one on ``dimension``."""
        values: dict[str, str | None] = {dimension.value: None}
        return replace(self, **values)  # type: ignore[arg-type]


def _full_months(start: date, end: date, today: date | None = None) -> list[str]:
    """Calendar months whose counters cover [start, end] for them: those lying wholly
    inside, and the current month (``today``, local) when the range runs from its first
    day to today or later, since no event lies after today. So the default range ("the
    last 12 months") counts this month from its counter, not from its growing events."""
    months: list[str] = []
    year, month = start.year, start.month
    while True:
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if first > end:
            return months
        current = today is not None and first <= today <= last and end >= today
        if first >= start and (last <= end or current):
            months.append(first.isoformat()[:7])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _edge_days(start: date, end: date, full: list[str]) -> list[tuple[date, date]]:
    """The day ranges of [start, end] that the full months do not cover."""
    if not full:
        return [(start, end)]
    first_full = date.fromisoformat(full[0] + "-01")
    y, m = (int(p) for p in full[-1].split("-"))
    after_last = date(y + m // 12, m % 12 + 1, 1)
    edges = []
    if start < first_full:
        edges.append((start, first_full - timedelta(days=1)))
    if after_last <= end:
        edges.append((after_last, end))
    return edges


def local_today() -> date:
    """Today in Dortmund: the calendar of ``demand_event.day``."""
    return datetime.now(BERLIN).date()


def demand_source(filters: Filters, today: date | None = None) -> Subquery:
    """Counted demand in the range: whole months (and the current month up to today)
    from ``demand_month``, edge days from ``demand_event``; columns as in
    ``demand_event`` plus ``n``."""
    full = _full_months(filters.start, filters.end, today or local_today())
    wanted = [(d.value, getattr(filters, d.value)) for d in Dimension]
    wanted = [(name, value) for name, value in wanted if value is not None]
    parts: list[Any] = []  # Select objects
    if full:
        m = DemandMonth
        parts.append(
            select(
                m.month,
                m.channel,
                func.nullif(m.stadtbezirk, "").label("stadtbezirk"),
                func.nullif(m.topic, "").label("topic"),
                func.nullif(m.competence_area, "").label("competence_area"),
                m.outcome,
                func.nullif(m.level_needed, 0).label("level_needed"),
                m.generated,
                m.n.label("n"),
            ).where(m.month.in_(full), *(getattr(m, k) == v for k, v in wanted))
        )
    edges = _edge_days(filters.start, filters.end, full)
    if edges:
        e = DemandEvent
        keys = (
            e.month,
            e.channel,
            e.stadtbezirk,
            e.topic,
            e.competence_area,
            e.outcome,
            e.level_needed,
            e.generated,
        )
        in_edges = or_(*(and_(e.day >= a, e.day <= b) for a, b in edges))
        parts.append(
            select(*keys, func.count().label("n"))
            .where(in_edges, *(getattr(e, k) == v for k, v in wanted))
            .group_by(*keys)
        )
    if len(parts) == 1:
        single: Subquery = parts[0].subquery("demand")
        return single
    return union_all(*parts).subquery("demand")


def dimension_column(src: Subquery, dimension: Dimension) -> ColumnElement[str]:
    """The column of ``dimension`` in ``src``, with unknown values named."""
    column = src.c[dimension.value]
    return func.coalesce(column, UNKNOWN_DISTRICT if dimension is Dimension.STADTBEZIRK else "–")


def sum_of(src: Subquery, *outcomes: Outcome) -> ColumnElement[int]:
    """The demand in ``src`` with one of ``outcomes``."""
    return func.sum(case((src.c.outcome.in_([o.value for o in outcomes]), src.c.n), else_=0))
