"""Abuse limits of the citizen channels, kept in the database.

In the database (not in memory) so that several app processes on one database share
them (``DIODO_SINGLE_PROCESS=false``), on SQLite and PostgreSQL alike:

- Rates (messages per web chat session, per client address, per SMS number and per
  Telegram chat; new web chat sessions per address) follow GCRA, "a burst of ``burst``,
  then one more per ``interval``": one ``rate_limit`` row per key holds the time at
  which the key's burst is available in full again. The row is locked (``FOR UPDATE``
  on PostgreSQL; SQLite's write sessions are serialised anyway) while it is checked.
- Open long polls per web chat session and per address are ``open_poll`` rows with an
  expiry, so a process that dies leaks nothing for long.

Keys are keyed hashes (HMAC with the pseudonym key): no session id, address, phone
number or chat id is stored in the clear. Refusals are counted and logged as counts
only. Framework-free (no fastapi, telegram or twilio).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from helpdesk.db import Base, Database, UTCDateTime, utcnow
from helpdesk.settings import Settings

log = logging.getLogger(__name__)
POLL_GRACE = timedelta(seconds=30)  # an open poll's row outlives its wait by this much
POLL_RETRY_SECONDS = 5.0


class RateLimit(Base):
    """The state of one limited key (a keyed hash, never the value itself)."""

    __tablename__ = "rate_limit"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # GCRA's "theoretical arrival time": from then on, the full burst is available.
    full_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Until then the sender has been told about the limit (SMS, Telegram: once a window).
    noticed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OpenPoll(Base):
    """A web chat long poll in progress (counted per session and per address)."""

    __tablename__ = "open_poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), index=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Rate:
    """At most ``burst`` events at once, then one more per ``interval``."""

    burst: int
    interval: timedelta

    @classmethod
    def of(cls, burst: int, seconds: float) -> Rate:
        return cls(max(1, burst), timedelta(seconds=max(0.0, seconds)))


@dataclass(frozen=True)
class Verdict:
    """The answer of a limit: allowed, or refused for ``retry_after`` seconds."""

    allowed: bool
    retry_after: float = 0.0
    notify: bool = False  # refused, and the sender was not told yet in this window


ALLOWED = Verdict(True)


def _lock(session: Session, keys: Sequence[str], now: datetime) -> dict[str, RateLimit]:
    """The rows of ``keys``, created if missing, locked in key order (no deadlocks)."""
    wanted = sorted(set(keys))

    def locked() -> dict[str, RateLimit]:
        rows = session.scalars(
            select(RateLimit)
            .where(RateLimit.key_hash.in_(wanted))
            .order_by(RateLimit.key_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.key_hash: row for row in rows}

    rows = locked()
    missing = [key for key in wanted if key not in rows]
    if missing:
        insert = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        for key in missing:
            session.execute(
                insert(RateLimit)
                .values(key_hash=key, full_at=now, noticed_until=None)
                .on_conflict_do_nothing(index_elements=["key_hash"])
            )
        rows = locked()
    return rows


def take(
    session: Session,
    wanted: Sequence[tuple[str, Rate]],
    *,
    now: datetime,
    notice_window: timedelta | None = None,
) -> Verdict:
    """Count one event against every key of ``wanted``, or against none of them when
    one is over its rate. With ``notice_window``, a refusal asks for a notice once per
    window (``Verdict.notify``)."""
    # An interval of 0 switches a limit off (benches, tests). It must not count at all:
    # two requests whose clocks were read in the other order than they took the lock
    # would otherwise see a "full" bucket a few microseconds in the future.
    wanted = [(key, rate) for key, rate in wanted if rate.interval > timedelta(0)]
    if not wanted:
        return ALLOWED
    rows = _lock(session, [key for key, _ in wanted], now)
    waits = []
    for key, rate in wanted:
        after = max(rows[key].full_at, now) + rate.interval
        excess = after - now - rate.interval * rate.burst
        if excess > timedelta(0):
            waits.append(excess.total_seconds())
    if not waits:
        for key, rate in wanted:
            rows[key].full_at = max(rows[key].full_at, now) + rate.interval
        return ALLOWED
    notify = False
    if notice_window is not None:
        first = rows[wanted[0][0]]
        if first.noticed_until is None or first.noticed_until <= now:
            first.noticed_until = now + notice_window
            notify = True
    return Verdict(False, retry_after=max(waits), notify=notify)


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the rows that no longer limit anything; returns how many."""
    rates = session.execute(
        delete(RateLimit).where(
            RateLimit.full_at < now,
            or_(RateLimit.noticed_until.is_(None), RateLimit.noticed_until < now),
        )
    )
    polls = session.execute(delete(OpenPoll).where(OpenPoll.expires_at < now))
    return int(rates.rowcount) + int(polls.rowcount)  # type: ignore[attr-defined]


class Refusals:
    """Refused requests per kind, logged as counts (never who) by ``report``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1

    def report(self) -> dict[str, int]:
        """Log the counts since the last report at INFO and start again from zero."""
        with self._lock:
            counts = dict(sorted(self._counts.items()))
            self._counts.clear()
        if counts:
            shown = ", ".join(f"{kind} {count}" for kind, count in counts.items())
            log.info("limits: refused since the last report: %s", shown)
        return counts


@dataclass
class ChannelLimits:
    """The app's limits (from settings) and the keyed hash they use for keys."""

    key: bytes
    web_message: Rate
    web_address_message: Rate
    web_session: Rate
    polls_per_session: int
    polls_per_address: int
    sms_message: Rate
    telegram_message: Rate
    notice_window: timedelta
    report_seconds: float = 60.0
    refusals: Refusals = field(default_factory=Refusals)
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelLimits:
        s = settings
        return cls(
            key=s.pseudonym_key.get_secret_value().encode(),
            web_message=Rate.of(s.webchat_message_burst, s.webchat_message_interval_seconds),
            web_address_message=Rate.of(
                s.webchat_address_message_burst, s.webchat_address_message_interval_seconds
            ),
            web_session=Rate.of(s.webchat_session_burst, s.webchat_session_interval_seconds),
            polls_per_session=s.webchat_max_polls_per_session,
            polls_per_address=s.webchat_max_polls_per_address,
            sms_message=Rate.of(s.sms_message_burst, s.sms_message_interval_seconds),
            telegram_message=Rate.of(s.telegram_message_burst, s.telegram_message_interval_seconds),
            notice_window=timedelta(minutes=s.limit_notice_minutes),
        )

    def hash(self, kind: str, value: str) -> str:
        """The keyed hash that stands for ``value`` in the tables."""
        return hmac.new(self.key, f"limit:{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _refused(self, kind: str, verdict: Verdict) -> Verdict:
        if not verdict.allowed:
            self.refusals.add(kind)
        return verdict

    def web_message_taken(
        self, session: Session, session_id: str, address: str, now: datetime | None = None
    ) -> Verdict:
        """One message of a web chat session, from a client address."""
        wanted = [
            (self.hash("web-session", session_id), self.web_message),
            (self.hash("web-address-messages", address), self.web_address_message),
        ]
        return self._refused("web message", take(session, wanted, now=now or utcnow()))

    def web_session_taken(
        self, session: Session, address: str, now: datetime | None = None
    ) -> Verdict:
        """One new web chat session from a client address."""
        wanted = [(self.hash("web-address-sessions", address), self.web_session)]
        return self._refused("web session", take(session, wanted, now=now or utcnow()))

    def sms_taken(self, session: Session, number: str, now: datetime | None = None) -> Verdict:
        """One SMS from ``number``; asks for one notice per window when refused."""
        wanted = [(self.hash("sms", number), self.sms_message)]
        verdict = take(session, wanted, now=now or utcnow(), notice_window=self.notice_window)
        return self._refused("sms", verdict)

    def telegram_taken(
        self, session: Session, chat_id: str, now: datetime | None = None
    ) -> Verdict:
        """One Telegram update from ``chat_id``; one notice per window when refused."""
        wanted = [(self.hash("telegram", chat_id), self.telegram_message)]
        verdict = take(session, wanted, now=now or utcnow(), notice_window=self.notice_window)
        return self._refused("telegram", verdict)

    def open_poll(self, db: Database, session_id: str, address: str, wait: float) -> int | None:
        """Register a long poll; None when the session or the address has too many open."""
        now = utcnow()
        session_key = self.hash("web-polls", session_id)
        address_key = self.hash("web-address-polls", address)
        with db.session() as session:
            _lock(session, [session_key, address_key], now)  # one check at a time per key
            mine = or_(OpenPoll.session_key == session_key, OpenPoll.address_key == address_key)
            session.execute(delete(OpenPoll).where(mine, OpenPoll.expires_at < now))
            for column, key, most in (
                (OpenPoll.session_key, session_key, self.polls_per_session),
                (OpenPoll.address_key, address_key, self.polls_per_address),
            ):
                count = session.scalar(select(func.count()).where(column == key)) or 0
                if count >= most:
                    self.refusals.add("web poll")
                    return None
            poll = OpenPoll(
                session_key=session_key,
                address_key=address_key,
                expires_at=now + timedelta(seconds=wait) + POLL_GRACE,
            )
            session.add(poll)
            session.flush()
            return poll.id

    def close_poll(self, db: Database, poll_id: int) -> None:
        """The long poll has answered."""
        with db.session() as session:
            session.execute(delete(OpenPoll).where(OpenPoll.id == poll_id))

    def start(self) -> None:
        """Log the refusal counts every ``report_seconds`` (on the running loop)."""
        self._task = asyncio.create_task(self._run(), name="limits")

    async def stop(self) -> None:
        """Stop reporting; the last counts are logged."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.refusals.report()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.report_seconds)
            self.refusals.report()
