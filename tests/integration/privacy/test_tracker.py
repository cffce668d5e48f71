"""Rasa's tracker store on PostgreSQL (scaled-out mode): erase, expire, export."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from helpdesk.privacy.tracker import RasaTracker
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.integration.privacy.conftest import EVENTS_DDL, add_events, dump_database


@pytest.fixture
def postgres_tracker_url(postgres_server: str) -> Iterator[str]:
    url = create_postgres_database(postgres_server)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(EVENTS_DDL.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")))
    engine.dispose()
    yield url
    drop_postgres_database(postgres_server, url)


def test_tracker_store_on_postgresql_erases_one_sender_and_old_events(
    postgres_tracker_url: str,
) -> None:
    old = time.time() - 200 * 86400
    add_events(postgres_tracker_url, "alice", ["Alice fragt"])
    add_events(postgres_tracker_url, "bob", ["Bob fragt"])
    add_events(postgres_tracker_url, "carol", ["Carol fragte einst"], at=old)
    tracker = RasaTracker(postgres_tracker_url)
    try:
        assert [e["data"]["text"] for e in tracker.export_sender("alice")] == ["Alice fragt"] * 2
        assert tracker.erase_sender("alice") == 2
        assert tracker.erase_before(time.time() - 90 * 86400, dry_run=True) == 2
        assert tracker.erase_before(time.time() - 90 * 86400) == 2
    finally:
        tracker.dispose()
    remaining = dump_database(postgres_tracker_url)
    assert "Bob fragt" in remaining
    assert "Alice" not in remaining and "Carol" not in remaining


def test_a_missing_events_table_means_nothing_to_erase(tmp_path: object) -> None:
    tracker = RasaTracker(f"sqlite:///{tmp_path}/empty.db")
    try:
        assert tracker.erase_sender("x") == 0 and tracker.export_sender("x") == []
    finally:
        tracker.dispose()
