"""Demand and its outcomes: requests per dimension, resolution and handoff, no answer.

Every function takes ``Filters`` and returns a ``Table``; suppression of small numbers
happens when a table is shown or exported (``helpdesk.analytics.tables``).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.analytics.models import Outcome
from helpdesk.analytics.source import (
    DEMAND_OUTCOMES,
    DIMENSION_LABELS,
    QUESTION_OUTCOMES,
    Dimension,
    Filters,
    demand_source,
    dimension_column,
    sum_of,
)
from helpdesk.analytics.tables import Column, Kind, Table


def has_generated(session: Session, filters: Filters) -> bool:
    """Whether the range holds generated (demo) events."""
    src = demand_source(filters)
    return bool(session.scalar(select(func.count()).select_from(src).where(src.c.generated)))


def demand_by(session: Session, filters: Filters, dimension: Dimension) -> Table:
    """Demand per value of ``dimension`` (and per month), largest first."""
    src = demand_source(filters)
    key = dimension_column(src, dimension).label("key")
    stmt = (
        select(src.c.month, key, func.sum(src.c.n).label("n"))
        .where(src.c.outcome.in_([o.value for o in DEMAND_OUTCOMES]))
        .group_by(src.c.month, key)
    )
    by_key: dict[str, dict[str, int]] = defaultdict(dict)
    months: set[str] = set()
    for month, value, n in session.execute(stmt):
        by_key[value][month] = int(n)
        months.add(month)
    ordered_months = sorted(months)
    columns = [Column("key", DIMENSION_LABELS[dimension])]
    columns += [Column(f"m{m}", m, Kind.COUNT) for m in ordered_months]
    columns.append(Column("total", "Summe", Kind.COUNT))
    rows: list[dict[str, object]] = []
    for value, per_month in by_key.items():
        row: dict[str, object] = {"key": value, "total": sum(per_month.values())}
        row.update({f"m{m}": per_month.get(m, 0) for m in ordered_months})
        rows.append(row)
    rows.sort(key=lambda r: (-int(str(r["total"])), str(r["key"])))
    return Table(f"Anfragen nach {DIMENSION_LABELS[dimension]}", columns, rows)


def outcomes_by_district(session: Session, filters: Filters) -> Table:
    """Bot resolution and handoff rate per Stadtbezirk, plus feedback."""
    src = demand_source(filters)
    district = dimension_column(src, Dimension.STADTBEZIRK).label("district")
    stmt = select(
        district,
        sum_of(src, *QUESTION_OUTCOMES).label("questions"),
        sum_of(src, Outcome.ANSWERED).label("answered"),
        sum_of(src, Outcome.HANDED_OFF).label("handed_off"),
        sum_of(src, Outcome.UNANSWERED).label("unanswered"),
        sum_of(src, Outcome.HELPFUL).label("helpful"),
        sum_of(src, Outcome.NOT_HELPFUL).label("not_helpful"),
    ).group_by(district)
    rows: list[dict[str, object]] = []
    # Every count present even without events: the city's row is shown then too.
    counts = ("questions", "answered", "handed_off", "unanswered", "helpful", "not_helpful")
    totals: dict[str, int] = dict.fromkeys(counts, 0)
    for r in session.execute(stmt).mappings():
        row = {k: (int(v or 0) if k != "district" else v) for k, v in r.items()}
        for k, v in row.items():
            if k != "district":
                totals[k] += int(str(v))
        rows.append(_with_rates(row))
    rows.sort(key=lambda r: str(r["district"]))
    rows.append(_with_rates({"district": "Dortmund gesamt", **totals}))
    return Table(
        "Gelöst vom Assistenten und an Menschen übergeben",
        [
            Column("district", "Stadtbezirk"),
            Column("questions", "Fragen", Kind.COUNT),
            Column("answered", "Beantwortet", Kind.COUNT),
            Column("resolution_rate", "Lösungsquote", Kind.RATE, ("answered", "questions")),
            Column("handed_off", "An Menschen übergeben", Kind.COUNT),
            Column("handoff_rate", "Übergabequote", Kind.RATE, ("handed_off", "questions")),
            Column("unanswered", "Ohne Antwort", Kind.COUNT),
            Column("helpful", "Hat geholfen", Kind.COUNT),
            Column("not_helpful", "Hat nicht geholfen", Kind.COUNT),
        ],
        rows,
        note="Lösungsquote: Anteil der Fragen, die der Assistent mit einem Artikel beantwortet "
        "hat.",
    )


def _with_rates(row: dict[str, object]) -> dict[str, object]:
    questions = int(str(row["questions"]))
    row["resolution_rate"] = int(str(row["answered"])) / questions if questions else None
    row["handoff_rate"] = int(str(row["handed_off"])) / questions if questions else None
    return row


def top_unanswered(session: Session, filters: Filters, limit: int = 10) -> Table:
    """Topics the bot most often had no answer for (closest topic, when one was near)."""
    src = demand_source(filters)
    topic = dimension_column(src, Dimension.TOPIC).label("topic")
    total = func.sum(src.c.n)
    stmt = (
        select(topic, total.label("n"))
        .where(src.c.outcome == Outcome.UNANSWERED.value)
        .group_by(topic)
        .order_by(total.desc(), topic)
        .limit(limit)
    )
    rows: list[dict[str, object]] = [{"topic": t, "n": int(n)} for t, n in session.execute(stmt)]
    return Table(
        "Häufigste Themen ohne Antwort",
        [Column("topic", "Thema"), Column("n", "Anfragen ohne Antwort", Kind.COUNT)],
        rows,
    )
