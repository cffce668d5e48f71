"""The app's privacy job: finishes erasures every few seconds, runs retention hourly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from helpdesk.db import Database, utcnow
from helpdesk.periodic import Periodic
from helpdesk.privacy.erasure import finish_erasures
from helpdesk.privacy.retention import RetentionReport, apply_retention
from helpdesk.privacy.tracker import RasaTracker

log = logging.getLogger(__name__)


class PrivacyJob:
    """One asyncio task; the clock is injectable for tests."""

    def __init__(
        self,
        db: Database,
        *,
        tracker: RasaTracker | None,
        retention_days: int,
        sweep_seconds: float = 5.0,
        retention_interval_seconds: float = 3600.0,
        empty_web_session_hours: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._tracker = tracker
        self._days = retention_days
        self._retention_every = retention_interval_seconds
        self._empty_web_hours = empty_web_session_hours
        self._clock = clock
        self._next_retention: float | None = None
        self._periodic = Periodic("privacy", self._round, sweep_seconds)

    def start(self) -> None:
        """Start on the running loop."""
        self._next_retention = None
        self._periodic.start()

    async def stop(self) -> None:
        """Stop after the sweep in progress (an erasure is never left half done)."""
        await self._periodic.stop()

    def sweep(self) -> int:
        """Finish the erasures that are due; returns how many."""
        with self._db.session() as session:
            return finish_erasures(session, now=self._clock())

    def retention(self) -> RetentionReport:
        """One retention run; logs counts only."""
        with self._db.session() as session:
            report = apply_retention(
                session,
                now=self._clock(),
                days=self._days,
                tracker=self._tracker,
                empty_web_session_hours=self._empty_web_hours,
            )
        log.info("privacy: retention (%d days) erased %s", self._days, report.counts)
        return report

    async def _round(self) -> None:
        now = asyncio.get_running_loop().time()
        finished = await asyncio.to_thread(self.sweep)
        if finished:
            log.info("privacy: %d erasure(s) finished", finished)
        if self._next_retention is None or now >= self._next_retention:
            self._next_retention = now + self._retention_every
            await asyncio.to_thread(self.retention)
