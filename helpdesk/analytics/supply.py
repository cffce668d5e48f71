"""Supply from the place registry, and the gap between demand and supply per district.

Supply is places, their Stufe, weekly staffed hours and services; it holds no personal
datum and is never suppressed. The gap view sets it against demand per 1,000 inhabitants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.analytics.population import Population, get_population
from helpdesk.analytics.source import DEMAND_OUTCOMES, Dimension, Filters, demand_source
from helpdesk.analytics.tables import MIN_COUNT, Column, Kind, Table
from helpdesk.places.geo import get_geography
from helpdesk.places.hours import HoursError, parse_week
from helpdesk.places.models import Place

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
    src = demand_source(filters.without(Dimension.OUTCOME))
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
