"""A Rasa tracker store database with Rasa 3.6's ``events`` schema, and seeding helpers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from helpdesk.privacy.tracker import RasaTracker

# The table Rasa 3.6's SQLTrackerStore creates (rasa/core/tracker_store.py, SQLEvent).
EVENTS_DDL = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


@pytest.fixture
def tracker_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'rasa-tracker.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(EVENTS_DDL))
    engine.dispose()
    yield url


@pytest.fixture
def tracker(tracker_url: str) -> Iterator[RasaTracker]:
    store = RasaTracker(tracker_url)
    yield store
    store.dispose()


def add_events(url: str, sender: str, texts: list[str], *, at: float | None = None) -> None:
    """A user and a bot event per text, as Rasa stores them."""
    engine = create_engine(url)
    stamp = at if at is not None else time.time()
    with engine.begin() as conn:
        for body in texts:
            for kind in ("user", "bot"):
                conn.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, data) "
                        "VALUES (:s, :t, :ts, :d)"
                    ),
                    {
                        "s": sender,
                        "t": kind,
                        "ts": stamp,
                        "d": json.dumps({"event": kind, "text": body, "timestamp": stamp}),
                    },
                )
    engine.dispose()


def dump_database(url: str) -> str:
    """Every row of every table of the database at ``url``, as one string."""
    engine = create_engine(url)
    parts: list[str] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(f"{table}: {tuple(row)!r}")
    engine.dispose()
    return "\n".join(parts)
