"""The app's notification job: every few seconds, mail staff about urgent and overdue
tickets. Safe with several app processes: the once-row of each mail is the claim."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from helpdesk.db import Database, utcnow
from helpdesk.notifications import service
from helpdesk.notifications.smtp import Mailer
from helpdesk.periodic import Periodic

log = logging.getLogger(__name__)


@dataclass
class RoundReport:
    """Counts of one round (no addresses, no ticket contents)."""

    sent: int = 0
    failed: int = 0
    nobody: int = 0  # events with no recipient address: recorded, not mailed


class NotificationJob:
    """One asyncio task; the clock is injectable for tests."""

    def __init__(
        self,
        db: Database,
        mailer: Mailer,
        *,
        public_url: str,
        interval_seconds: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._mailer = mailer
        self._public_url = public_url
        self._clock = clock
        self._periodic = Periodic("notifications", self._round, interval_seconds)

    def start(self) -> None:
        """Start on the running loop."""
        self._periodic.start()

    async def stop(self) -> None:
        """Stop after the round in progress (its attempts are recorded)."""
        await self._periodic.stop()

    def run_once(self) -> RoundReport:
        """Claim the due events, mail each one; blocking (the job runs it in a thread)."""
        now = self._clock()
        report = RoundReport()
        for claim in self._claims(now):
            self._deliver(claim, report)
        if report.sent or report.failed or report.nobody:
            log.info(
                "notifications: %d sent, %d failed (retried), %d without recipients",
                report.sent,
                report.failed,
                report.nobody,
            )
        return report

    def _claims(self, now: datetime) -> list[service.Claim]:
        with self._db.session() as session:
            claims = service.reclaim_unsent(session, now)
        with self._db.read_session() as session:
            events = service.due_events(session, now)
        for ticket_id, event in events:
            # One transaction per row: losing the race to another process rolls back
            # only this insert.
            with self._db.session() as session:
                claim = service.claim(session, ticket_id, event, now)
            if claim is not None:
                claims.append(claim)
        return claims

    def _deliver(self, claim: service.Claim, report: RoundReport) -> None:
        with self._db.read_session() as session:
            mail = service.describe(session, claim, self._public_url)
            recipients = [] if mail is None else service.recipients_of(session, mail.place_id)
        if mail is None or not recipients:
            report.nobody += 1
            with self._db.session() as session:
                service.mark_sent(session, claim.row_id, self._clock(), 0)
            return
        message = service.build_message(mail, self._mailer.sender)
        try:
            self._mailer.send(message, recipients)
        except (OSError, smtplib.SMTPException) as error:
            report.failed += 1
            # The error's class only: SMTP errors may quote the refused addresses.
            log.warning(
                "notifications: mail for ticket %d failed (%s); retrying next round",
                claim.ticket_id,
                type(error).__name__,
            )
            with self._db.session() as session:
                service.mark_failed(session, claim.row_id, self._clock())
            return
        report.sent += 1
        with self._db.session() as session:
            service.mark_sent(session, claim.row_id, self._clock(), len(recipients))

    async def _round(self) -> None:
        await asyncio.to_thread(self.run_once)
