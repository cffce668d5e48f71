"""A realistic, clearly generated year of demand events for demos and benchmarks.

Every generated row has ``generated = true``; the dashboard says so whenever the chosen
range holds generated rows, and ``diodo analytics demo --purge`` removes them again.
The patterns are invented but plausible: more questions in winter and on weekdays,
districts that differ in size and need, and topics taken from the real articles.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from helpdesk.analytics.events import refresh_months
from helpdesk.analytics.models import DemandEvent, DemandMonth, Outcome
from helpdesk.analytics.population import get_population

BERLIN = ZoneInfo("Europe/Berlin")
T = TypeVar("T")
WEEKDAY_WEIGHT = (1.15, 1.2, 1.1, 1.15, 1.0, 0.5, 0.3)
# Relative need per inhabitant: invented to give the demo map some contrast.
DISTRICT_NEED = {
    "Innenstadt-Nord": 1.6,
    "Scharnhorst": 1.4,
    "Eving": 1.3,
    "Huckarde": 1.1,
    "Mengede": 1.0,
    "Lütgendortmund": 1.1,
    "Innenstadt-West": 0.9,
    "Innenstadt-Ost": 0.8,
    "Brackel": 0.9,
    "Aplerbeck": 0.8,
    "Hörde": 0.9,
    "Hombruch": 0.7,
}
OUTCOME_WEIGHTS = (
    (Outcome.ANSWERED, 0.60),
    (Outcome.CLARIFIED, 0.08),
    (Outcome.ROUTED, 0.13),
    (Outcome.HANDED_OFF, 0.06),
    (Outcome.UNANSWERED, 0.13),
)
CHANNEL_WEIGHTS = (("sms", 0.4), ("web", 0.35), ("telegram", 0.25))
LEVEL_WEIGHTS = ((1, 0.35), (2, 0.3), (3, 0.28), (4, 0.07))
# Shown topics when no article list is given (the CLI passes the real articles' topics).
DEFAULT_TOPICS = (("fotos", "2"), ("sicherheit", "4"), ("internet", "1"), ("termine", "lokal"))


@dataclass(frozen=True)
class DemoSpec:
    """How many events, over which year, from which seed."""

    events: int
    year: int
    seed: int = 1
    topics: tuple[tuple[str, str], ...] = DEFAULT_TOPICS


def _season(day: date) -> float:
    """Higher in winter, lower in the summer holidays, a dip around Christmas."""
    winter = 1 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)
    if (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day <= 2):
        winter *= 0.4
    if day.month in (7, 8):
        winter *= 0.8
    return winter


def _choice(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def generate(spec: DemoSpec) -> Iterator[dict[str, object]]:
    """Rows for ``insert(DemandEvent)``, about ``spec.events`` of them."""
    rng = random.Random(spec.seed)
    population = get_population().inhabitants
    district_weights = tuple((d, population[d] * DISTRICT_NEED.get(d, 1.0)) for d in population)
    days = [date(spec.year, 1, 1) + timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == spec.year]
    day_weights = [_season(d) * WEEKDAY_WEIGHT[d.weekday()] for d in days]
    scale = spec.events / sum(day_weights)
    expected = [w * scale for w in day_weights]
    counts = [int(e) for e in expected]
    # Largest remainder: exactly ``spec.events`` events in all.
    by_fraction = sorted(range(len(days)), key=lambda i: expected[i] - counts[i], reverse=True)
    for i in by_fraction[: spec.events - sum(counts)]:
        counts[i] += 1
    shuffled = list(spec.topics)
    rng.shuffle(shuffled)
    topic_weights = tuple((t, 1.0 / (i + 1) ** 0.6) for i, t in enumerate(shuffled))
    for day, count in zip(days, counts, strict=True):
        for _ in range(count):
            yield _event(rng, day, district_weights, topic_weights)


def _event(
    rng: random.Random,
    day: date,
    district_weights: tuple[tuple[str, float], ...],
    topic_weights: tuple[tuple[tuple[str, str], float], ...],
) -> dict[str, object]:
    minute = int(rng.triangular(8 * 60, 20 * 60, 11 * 60))
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=BERLIN)
    outcome = _choice(rng, OUTCOME_WEIGHTS)
    if outcome is Outcome.ANSWERED and rng.random() < 0.3:
        outcome = Outcome.HELPFUL if rng.random() < 0.78 else Outcome.NOT_HELPFUL
    known = rng.random() < (0.9 if outcome in (Outcome.ROUTED, Outcome.HANDED_OFF) else 0.65)
    topic, area = _choice(rng, topic_weights)
    level = _choice(rng, LEVEL_WEIGHTS) if outcome in (Outcome.ROUTED, Outcome.HANDED_OFF) else None
    return {
        "occurred_at": local.astimezone(UTC),
        "day": day,
        "month": day.isoformat()[:7],
        "channel": _choice(rng, CHANNEL_WEIGHTS),
        "stadtbezirk": _choice(rng, district_weights) if known else None,
        "topic": topic,
        "competence_area": area,
        "outcome": outcome.value,
        "level_needed": level,
        "place_id": None,
        "conversation_ref": f"demo-{secrets.token_hex(8)}",
        "generated": True,
    }


def insert_demo(session: Session, spec: DemoSpec, *, batch: int = 20_000) -> int:
    """Insert generated events in batches, then recount their months; returns how many."""
    rows: list[dict[str, object]] = []
    months: set[str] = set()
    total = 0
    for row in generate(spec):
        rows.append(row)
        months.add(str(row["month"]))
        if len(rows) >= batch:
            session.execute(insert(DemandEvent), rows)
            total += len(rows)
            rows = []
    if rows:
        session.execute(insert(DemandEvent), rows)
        total += len(rows)
    refresh_months(session, months)
    return total


def purge_demo(session: Session) -> int:
    """Delete every generated event and its monthly counts; real events stay."""
    result = session.execute(delete(DemandEvent).where(DemandEvent.generated.is_(True)))
    session.execute(delete(DemandMonth).where(DemandMonth.generated.is_(True)))
    return int(getattr(result, "rowcount", 0) or 0)
