"""Rasa's SQL tracker store, seen from the app: erase, expire and export events.

Rasa (``bot/endpoints.yml``) keeps every conversation turn in its own database, table
``events``, keyed by ``sender_id`` (our pseudonym). The app does not otherwise touch that
database; erasure and retention must, or the texts would survive there.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, inspect, text


class RasaTracker:
    """A connection to Rasa's tracker store database (SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        self._engine = create_engine(url, **kwargs)

    def _has_events(self) -> bool:
        return inspect(self._engine).has_table("events")

    def erase_sender(self, sender_id: str, *, dry_run: bool = False) -> int:
        """Delete every event of ``sender_id``; returns how many."""
        if not self._has_events():
            return 0
        with self._engine.begin() as conn:
            if dry_run:
                count = conn.execute(
                    text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender_id}
                ).scalar_one()
                return int(count)
            result = conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender_id})
            return int(result.rowcount)

    def erase_before(self, timestamp: float, *, dry_run: bool = False) -> int:
        """Delete every event older than ``timestamp`` (seconds since the epoch)."""
        if not self._has_events():
            return 0
        with self._engine.begin() as conn:
            if dry_run:
                count = conn.execute(
                    text("SELECT COUNT(*) FROM events WHERE timestamp < :t"), {"t": timestamp}
                ).scalar_one()
                return int(count)
            result = conn.execute(text("DELETE FROM events WHERE timestamp < :t"), {"t": timestamp})
            return int(result.rowcount)

    def export_sender(self, sender_id: str) -> list[dict[str, Any]]:
        """The events of ``sender_id``, oldest first, as Rasa stored them."""
        if not self._has_events():
            return []
        with self._engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT type_name, timestamp, data FROM events WHERE sender_id = :s ORDER BY id"
                ),
                {"s": sender_id},
            ).all()
        events = []
        for row in rows:
            try:
                data = json.loads(row.data) if row.data else {}
            except ValueError:
                data = {"raw": row.data}
            events.append({"type": row.type_name, "timestamp": row.timestamp, "data": data})
        return events

    def dispose(self) -> None:
        """Close pooled connections."""
        self._engine.dispose()
