"""Dashboard query latency with a large demand-event table (default 1,000,000 events).

Fills a fresh database (SQLite file and/or a new PostgreSQL database) with a generated
year, then runs every dashboard query repeatedly with the filters an organiser uses: the
whole year, one quarter, one Stadtbezirk, one channel. Prints p50/p95/max per query and
backend. Target: p95 <= 1 s for every query.

    .venv/bin/python bench/dashboard_queries.py
    .venv/bin/python bench/dashboard_queries.py --events 200000 --backends sqlite --runs 10
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.orm import Session

from helpdesk import migrate
from helpdesk.analytics.demo import DemoSpec, insert_demo
from helpdesk.analytics.queries import (
    Dimension,
    Filters,
    demand_by,
    gap_view,
    outcomes_by_district,
    supply_table,
    top_unanswered,
)
from helpdesk.db import Database
from helpdesk.places.service import seed_example_places

POSTGRES_ADMIN = os.environ.get(
    "DIODO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
YEAR = 2025
TOPICS = tuple((f"thema-{i}", str(1 + i % 6)) for i in range(40))

Query = Callable[[Session, Filters], object]
QUERIES: dict[str, Query] = {
    "demand by Stadtbezirk x month": lambda s, f: demand_by(s, f, Dimension.STADTBEZIRK),
    "demand by topic x month": lambda s, f: demand_by(s, f, Dimension.TOPIC),
    "demand by competence area": lambda s, f: demand_by(s, f, Dimension.COMPETENCE_AREA),
    "demand by channel": lambda s, f: demand_by(s, f, Dimension.CHANNEL),
    "demand by outcome": lambda s, f: demand_by(s, f, Dimension.OUTCOME),
    "resolution/handoff rates": outcomes_by_district,
    "top unanswered topics": top_unanswered,
    "supply per Stadtbezirk": lambda s, f: supply_table(s),
    "gap view": gap_view,
}


def _filters(rng: random.Random) -> Filters:
    kind = rng.choice(["year", "quarter", "district", "channel"])
    if kind == "quarter":
        q = rng.randrange(4)
        end = date(YEAR, 3 * q + 3, 28)
        return Filters(date(YEAR, 3 * q + 1, 1), end)
    base = Filters(date(YEAR, 1, 1), date(YEAR, 12, 31))
    if kind == "district":
        return Filters(base.start, base.end, stadtbezirk=rng.choice(["Eving", "Hörde"]))
    if kind == "channel":
        return Filters(base.start, base.end, channel=rng.choice(["sms", "web"]))
    return base


def _fill(url: str, events: int) -> float:
    migrate.upgrade(url)
    db = Database(url)
    started = time.monotonic()
    with db.session() as session:
        seed_example_places(session)
        insert_demo(session, DemoSpec(events=events, year=YEAR, topics=TOPICS))
    if url.startswith("postgresql"):
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE demand_event"))
            conn.commit()
    else:
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return time.monotonic() - started


def _measure(url: str, runs: int) -> None:
    db = Database(url)
    rng = random.Random(5)
    for name, query in QUERIES.items():
        times: list[float] = []
        for _ in range(runs):
            filters = _filters(rng)
            with db.read_session() as session:
                started = time.perf_counter()
                query(session, filters)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"  {name:32} p50 {statistics.median(times):7.0f} ms   p95 {p95:7.0f} ms   "
            f"max {times[-1]:7.0f} ms"
        )
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"{args.events:,} generated demand events, {args.runs} runs per query, target p95 <= 1 s")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                print(f"SQLite: filled in {_fill(url, args.events):.0f} s")
                _measure(url, args.runs)
        else:
            from tests.conftest import create_postgres_database, drop_postgres_database

            url = create_postgres_database(POSTGRES_ADMIN)
            try:
                print(f"PostgreSQL: filled in {_fill(url, args.events):.0f} s")
                _measure(url, args.runs)
            finally:
                drop_postgres_database(POSTGRES_ADMIN, url)


if __name__ == "__main__":
    main()
