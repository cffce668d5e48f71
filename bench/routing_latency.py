"""Place routing latency with a generated registry (default 2,000 places).

Prints p50/p95/max for (a) the pure ranking over the in-memory registry and (b) the
service path the internal API runs: the snapshot freshness check on a SQLite database
plus ranking. Target: p95 ≤ 10 ms. Wall-clock figures include time the process waited
for a CPU; the CPU figures (this thread's CPU time) do not, which matters on a busy box.

    .venv/bin/python bench/routing_latency.py
    .venv/bin/python bench/routing_latency.py --places 5000 --requests 2000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpdesk import migrate
from helpdesk.db import Database
from helpdesk.places.csvio import write_places
from helpdesk.places.geo import get_geography
from helpdesk.places.hours import parse_closures, parse_week
from helpdesk.places.needs import get_needs
from helpdesk.places.record import (
    Accessibility,
    OperatorType,
    PlaceRecord,
    Service,
    TargetGroup,
)
from helpdesk.places.routing import route
from helpdesk.places.service import PlaceSnapshot, RouteQuery, import_places, route_citizen

WEEKS = [
    "Mo-Fr 10:00-18:00; Sa 10:00-13:00",
    "Di-Fr 10:00-18:00",
    "Mo 13:00-18:00; Mi 09:00-12:00, 14:00-17:00",
    "Mo-Fr 14:00-20:00",
    "Di 15:00-18:00; Do 15:00-18:00",
]
TEXTS = [
    "Ich habe eine Frage zum Handy",
    "Ich muss etwas ausdrucken",
    "Ich bin 81 und will das Internet lernen",
    "Ich sitze im Rollstuhl und brauche Hilfe",
    "Hilfe auf Türkisch",
    "Kurs",
    "Wir sind ein Seniorenclub und wollen ein Programm",
    "Wo gibt es WLAN?",
]


def generate(count: int, rng: random.Random) -> list[PlaceRecord]:
    geography = get_geography()
    districts = list(geography.districts)
    places = []
    for index in range(count):
        name = districts[index % len(districts)]
        centre = geography.districts[name]
        stufe = rng.choice([1, 1, 2, 2, 3, 4])
        services = {s for s in Service if rng.random() < 0.5} - {Service.CONSULTATION_HOURS}
        if stufe >= 2:
            services.add(Service.COURSES)
        consultation = rng.choice(WEEKS) if rng.random() < 0.7 else ""
        if consultation:
            services.add(Service.CONSULTATION_HOURS)
        places.append(
            PlaceRecord(
                key=f"ort-{index:05d}",
                name=f"Ort {index} {name}",
                operator_type=rng.choice(list(OperatorType)),
                street="",
                postcode="",
                stadtbezirk=name,
                stadtteil="",
                latitude=round(centre.lat + rng.uniform(-0.01, 0.01), 5),
                longitude=round(centre.lon + rng.uniform(-0.01, 0.01), 5),
                stufe=stufe,
                services=frozenset(services),
                target_groups=frozenset(rng.sample(list(TargetGroup), rng.choice([0, 0, 1]))),
                accessibility=rng.choice(list(Accessibility)),
                accessibility_notes="",
                languages=("de", *rng.sample(["tr", "ar", "en", "ru"], rng.choice([0, 1, 2]))),
                phone="",
                email="",
                opening_hours=parse_week(rng.choice(WEEKS)),
                consultation_hours=parse_week(consultation),
                closures=parse_closures("2026-12-24..2026-12-31" if rng.random() < 0.3 else ""),
                is_example_data=True,
            )
        )
    return places


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   max {ordered[-1]:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    places = generate(args.places, rng)
    geography = get_geography()
    needs = get_needs()
    districts = list(geography.districts)
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    requests = [
        (
            rng.choice(TEXTS),
            rng.choice(districts),
            start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60)),
        )
        for _ in range(args.requests)
    ]

    pure, pure_cpu = [], []
    for text, district, now in requests:
        began, began_cpu = time.perf_counter(), time.thread_time()
        route(places, needs.build(text=text), district, geography, now, limit=3)
        pure.append((time.perf_counter() - began) * 1000)
        pure_cpu.append((time.thread_time() - began_cpu) * 1000)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        db = Database(url)
        with db.session() as session:
            import_places(session, write_places(places))
        snapshot = PlaceSnapshot()
        service, service_cpu = [], []
        for text, district, now in requests:
            began, began_cpu = time.perf_counter(), time.thread_time()
            with db.read_session() as session:
                route_citizen(
                    session,
                    RouteQuery(stadtbezirk=district, text=text),
                    snapshot=snapshot,
                    clock=lambda now=now: now,
                )
            service.append((time.perf_counter() - began) * 1000)
            service_cpu.append((time.thread_time() - began_cpu) * 1000)
        db.dispose()

    print(f"routing over {args.places} places, {args.requests} requests (wall clock / CPU)")
    print(f"  ranking only            wall {percentiles(pure)}")
    print(f"                          cpu  {percentiles(pure_cpu)}")
    print(f"  service (SQLite check)  wall {percentiles(service[1:])}")
    print(f"                          cpu  {percentiles(service_cpu[1:])}")
    print(f"  first service call (loads the snapshot): {service[0]:.0f} ms")


if __name__ == "__main__":
    main()
