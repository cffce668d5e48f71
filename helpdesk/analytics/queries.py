"""The organisers' figures: demand, outcomes, supply and the gap between them.

Every function takes the same ``Filters`` (date range and optional dimension filters) and
returns a ``Table``; suppression of small numbers happens when a table is shown or
exported (``helpdesk.analytics.tables``). Nothing here reads a personal datum: the
demand-event table holds none, and supply comes from the place registry.
"""

from __future__ import annotations

import enum
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from helpdesk.analytics.models import DemandEvent, DemandMonth, Outcome
from helpdesk.analytics.population import Population, get_population
from helpdesk.analytics.tables import MIN_COUNT, Column, Kind, Table
from helpdesk.conversations.models import Conversation
from helpdesk.places.geo import get_geography
from helpdesk.places.hours import HoursError, parse_week
from helpdesk.places.models import Place
from helpdesk.tickets.models import Ticket

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
BERLIN = ZoneInfo("Europe/Berlin")
SERVICE_LABELS = {
    "wlan": "WLAN",
    "pcs": "PCs",
    "printing": "Drucken",
    "scanning": "Scannen",
    "device_lending": "Geräte-Verleih",
    "consultation_hours": "Sprechstunde",
    "courses": "Kurse",
}
# A district is flagged as under-served when its demand per staffed hour is this many times
# the city's.
PRESSURE_FLAG = 1.5


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


def _full_months(start: date, end: date) -> list[str]:
    """Calendar months lying wholly inside [start, end]."""
    months: list[str] = []
    year, month = start.year, start.month
    while True:
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if first > end:
            return months
        if first >= start and last <= end:
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


def _source(filters: Filters) -> Subquery:
    """Counted demand in the range: whole months from ``demand_month``, edge days from
    ``demand_event``; columns as in ``demand_event`` plus ``n``."""
    full = _full_months(filters.start, filters.end)
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


def _dimension_column(src: Subquery, dimension: Dimension) -> ColumnElement[str]:
    column = src.c[dimension.value]
    return func.coalesce(column, UNKNOWN_DISTRICT if dimension is Dimension.STADTBEZIRK else "–")


def _sum_of(src: Subquery, *outcomes: Outcome) -> ColumnElement[int]:
    return func.sum(case((src.c.outcome.in_([o.value for o in outcomes]), src.c.n), else_=0))


def has_generated(session: Session, filters: Filters) -> bool:
    """Whether the range holds generated (demo) events."""
    src = _source(filters)
    return bool(session.scalar(select(func.count()).select_from(src).where(src.c.generated)))


def demand_by(session: Session, filters: Filters, dimension: Dimension) -> Table:
    """Demand per value of ``dimension`` (and per month), largest first."""
    src = _source(filters)
    key = _dimension_column(src, dimension).label("key")
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
    src = _source(filters)
    district = _dimension_column(src, Dimension.STADTBEZIRK).label("district")
    stmt = select(
        district,
        _sum_of(src, *QUESTION_OUTCOMES).label("questions"),
        _sum_of(src, Outcome.ANSWERED).label("answered"),
        _sum_of(src, Outcome.HANDED_OFF).label("handed_off"),
        _sum_of(src, Outcome.UNANSWERED).label("unanswered"),
        _sum_of(src, Outcome.HELPFUL).label("helpful"),
        _sum_of(src, Outcome.NOT_HELPFUL).label("not_helpful"),
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
    src = _source(filters)
    topic = _dimension_column(src, Dimension.TOPIC).label("topic")
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


@dataclass(frozen=True)
class DistrictSupply:
    """Places and staffed hours of one Stadtbezirk."""

    places_by_level: dict[int, int]
    hours_by_level: dict[int, float]  # weekly staffed hours of places with exactly this Stufe
    services: dict[str, int]

    @property
    def places(self) -> int:
        """All places."""
        return sum(self.places_by_level.values())

    @property
    def hours(self) -> float:
        """All weekly staffed hours."""
        return float(sum(self.hours_by_level.values()))

    def hours_at_least(self, level: int) -> float:
        """Weekly staffed hours of places that serve a need of ``level`` (Stufe >= level)."""
        return float(sum(h for s, h in self.hours_by_level.items() if s >= level))

    def places_at_least(self, level: int) -> int:
        """Places that serve a need of ``level``."""
        return sum(n for s, n in self.places_by_level.items() if s >= level)


def weekly_hours(consultation_hours: str) -> float:
    """Staffed hours per week from a rule such as "Di 14:00-18:00; Do 10:00-12:00"."""
    try:
        week = parse_week(consultation_hours)
    except HoursError:
        return 0.0
    minutes = 0
    for spans in week:
        for span in spans:
            minutes += (span.end.hour * 60 + span.end.minute) - (
                span.start.hour * 60 + span.start.minute
            )
    return minutes / 60


def supply_by_district(session: Session) -> dict[str, DistrictSupply]:
    """Places per Stufe, weekly staffed hours and services, for every Stadtbezirk."""
    places: dict[str, dict[int, int]] = {d: defaultdict(int) for d in get_geography().districts}
    hours: dict[str, dict[int, float]] = {d: defaultdict(float) for d in places}
    services: dict[str, dict[str, int]] = {d: defaultdict(int) for d in places}
    for place in session.scalars(select(Place)):
        if place.stadtbezirk not in places:
            continue
        places[place.stadtbezirk][place.stufe] += 1
        hours[place.stadtbezirk][place.stufe] += weekly_hours(place.consultation_hours)
        for service in place.services:
            services[place.stadtbezirk][service] += 1
    return {d: DistrictSupply(dict(places[d]), dict(hours[d]), dict(services[d])) for d in places}


def supply_table(session: Session) -> Table:
    """Supply per Stadtbezirk: places by Stufe, weekly staffed hours, services."""
    supply = supply_by_district(session)
    all_services = sorted({s for d in supply.values() for s in d.services})
    rows: list[dict[str, object]] = []
    for district, s in sorted(supply.items()):
        row: dict[str, object] = {"district": district, "places": s.places, "hours": s.hours}
        row.update({f"stufe{level}": s.places_by_level.get(level, 0) for level in range(1, 5)})
        row.update({f"svc_{name}": s.services.get(name, 0) for name in all_services})
        rows.append(row)
    columns = [Column("district", "Stadtbezirk"), Column("places", "Orte", Kind.NUMBER)]
    columns += [Column(f"stufe{lv}", f"Stufe {lv}", Kind.NUMBER) for lv in range(1, 5)]
    columns.append(Column("hours", "Betreute Stunden pro Woche", Kind.NUMBER))
    columns += [
        Column(f"svc_{n}", f"Angebot: {SERVICE_LABELS.get(n, n)}", Kind.NUMBER)
        for n in all_services
    ]
    return Table("Angebot je Stadtbezirk", columns, rows)


def _demand_counts(
    session: Session, filters: Filters
) -> tuple[dict[str, int], dict[tuple[str, int], int]]:
    """Demand per district, and per (district, level needed), for known districts."""
    src = _source(filters.without(Dimension.OUTCOME))
    demand_only = src.c.outcome.in_([o.value for o in DEMAND_OUTCOMES])
    stmt = (
        select(src.c.stadtbezirk, src.c.level_needed, func.sum(src.c.n))
        .where(demand_only, src.c.stadtbezirk.is_not(None))
        .group_by(src.c.stadtbezirk, src.c.level_needed)
    )
    per_district: dict[str, int] = defaultdict(int)
    per_level: dict[tuple[str, int], int] = defaultdict(int)
    for district, level, n in session.execute(stmt):
        if district is None:
            continue
        per_district[district] += int(n)
        if level is not None:
            per_level[(district, int(level))] += int(n)
    return per_district, per_level


def gap_view(session: Session, filters: Filters, population: Population | None = None) -> Table:
    """Demand per 1,000 inhabitants against staffed hours per 1,000, per Stadtbezirk and Stufe.

    ``pressure`` is demand per staffed hour relative to the whole city (1.0 = city
    average); a district is under-served when it has demand (at least 5 requests) but no
    staffed hours, or a pressure of at least ``PRESSURE_FLAG``. A Stufe is missing when
    citizens of the district needed it (at least 5 requests) and no place of that Stufe or
    higher is in the district.
    """
    population = population or get_population()
    supply = supply_by_district(session)
    # The city-wide reference ignores the district filter: "compared with all of Dortmund".
    demand, demand_level = _demand_counts(session, filters.without(Dimension.STADTBEZIRK))
    districts = sorted(population.inhabitants)
    if filters.stadtbezirk is not None:
        districts = [d for d in districts if d == filters.stadtbezirk]
    city_demand = sum(demand.values())
    city_hours = sum(s.hours for s in supply.values())
    city_rate = city_demand / city_hours if city_hours else None
    rows: list[dict[str, object]] = []
    for district in districts:
        people = population.inhabitants[district]
        s = supply[district]
        n = demand.get(district, 0)
        pressure = None
        if city_rate and s.hours:
            pressure = (n / s.hours) / city_rate
        missing = [
            level
            for level in range(1, 5)
            if demand_level.get((district, level), 0) >= MIN_COUNT and s.places_at_least(level) == 0
        ]
        under = n >= MIN_COUNT and (
            s.hours == 0 or (pressure is not None and pressure >= PRESSURE_FLAG)
        )
        row: dict[str, object] = {
            "district": district,
            "inhabitants": people,
            "demand": n,
            "demand_per_1000": n / people * 1000,
            "hours": round(s.hours, 2),
            "hours_per_1000": round(s.hours / people * 1000, 4),
            "pressure": pressure,
            "under_served": "ja" if under else "nein",
            "missing_levels": ", ".join(f"Stufe {lv}" for lv in missing),
        }
        for level in range(1, 5):
            row[f"demand_l{level}"] = demand_level.get((district, level), 0)
            row[f"hours_l{level}"] = round(s.hours_at_least(level), 2)
        rows.append(row)
    columns = [
        Column("district", "Stadtbezirk"),
        Column("inhabitants", "Einwohner", Kind.NUMBER),
        Column("demand", "Anfragen", Kind.COUNT),
        Column("demand_per_1000", "Anfragen je 1.000 Einw.", Kind.PER_1000, ("demand",)),
        Column("hours", "Betreute Std./Woche", Kind.NUMBER),
        Column("hours_per_1000", "Betreute Std./Woche je 1.000 Einw.", Kind.NUMBER),
        Column("pressure", "Nachfrage je Stunde (Dortmund = 1)", Kind.PER_1000, ("demand",)),
        Column("under_served", "Unterversorgt"),
        Column("missing_levels", "Fehlende Stufen"),
    ]
    for level in range(1, 5):
        columns.append(Column(f"demand_l{level}", f"Anfragen Stufe {level}", Kind.COUNT))
        columns.append(
            Column(f"hours_l{level}", f"Std./Woche an Orten ab Stufe {level}", Kind.NUMBER)
        )
    note = f"Einwohner: {population.source}, {population.year}" + (
        " (gerundete Werte, von der Stadt zu prüfen)." if population.approximate else "."
    )
    return Table("Nachfrage und Angebot je Stadtbezirk", columns, rows, note=note)


@dataclass
class _TicketStats:
    n: int = 0
    late: int = 0
    first: list[float] = field(default_factory=list)
    resolved: list[float] = field(default_factory=list)


def _median_hours(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def tickets_by_place(session: Session, filters: Filters, now: datetime | None = None) -> Table:
    """Tickets per place (created in the range) with first-response and resolution times.

    Reads only counts and times of the ticket table: no text, no contact.
    """
    now = now or datetime.now(UTC)
    start = datetime.combine(filters.start, time.min, tzinfo=BERLIN)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=BERLIN)
    stmt = (
        select(
            Ticket.place_id,
            Ticket.created_at,
            Ticket.first_response_at,
            Ticket.first_response_due_at,
            Ticket.resolved_at,
        )
        .outerjoin(Conversation, Conversation.id == Ticket.conversation_id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
    )
    if filters.channel is not None:
        stmt = stmt.where(Conversation.channel == filters.channel)
    if filters.stadtbezirk is not None:
        stmt = stmt.where(Ticket.stadtbezirk == filters.stadtbezirk)
    places = {p.id: p for p in session.scalars(select(Place))}
    stats: dict[int | None, _TicketStats] = defaultdict(_TicketStats)
    for place_id, created, first, due, resolved in session.execute(stmt):
        entry = stats[place_id]
        entry.n += 1
        if first is not None:
            entry.first.append((first - created).total_seconds() / 3600)
        if resolved is not None:
            entry.resolved.append((resolved - created).total_seconds() / 3600)
        if due is not None and (first or now) > due:
            entry.late += 1
    rows: list[dict[str, object]] = []
    for place_id, entry in stats.items():
        place = places.get(place_id) if place_id is not None else None
        rows.append(
            {
                "place": place.name if place else "Zentrale Warteschlange",
                "district": place.stadtbezirk if place else "–",
                "n": entry.n,
                "answered": len(entry.first),
                "first_median": _median_hours(entry.first),
                "resolved": len(entry.resolved),
                "resolved_median": _median_hours(entry.resolved),
                "late": entry.late,
                "on_time_rate": (entry.n - entry.late) / entry.n,
            }
        )
    rows.sort(key=lambda r: (-int(str(r["n"])), str(r["place"])))
    return Table(
        "Tickets je Ort",
        [
            Column("place", "Ort"),
            Column("district", "Stadtbezirk"),
            Column("n", "Tickets", Kind.COUNT),
            Column("answered", "Beantwortet", Kind.COUNT),
            Column(
                "first_median", "Erste Antwort nach (Median, Std.)", Kind.PER_1000, ("answered",)
            ),
            Column("resolved", "Gelöst", Kind.COUNT),
            Column("resolved_median", "Gelöst nach (Median, Std.)", Kind.PER_1000, ("resolved",)),
            Column("late", "Erste Antwort zu spät", Kind.COUNT),
            Column("on_time_rate", "Rechtzeitig beantwortet", Kind.RATE, ("n", "late")),
        ],
        rows,
        note="Zeiten in Stunden seit dem Anlegen des Tickets. Zu spät: nach der Frist, die sich "
        "aus den betreuten Zeiten des Ortes ergibt.",
    )
