"""What the database says at scrape time: queue depths, waiting ages, open tickets, size.

These figures are read from the shared database, not counted in memory, so every app
process reports the same cluster-wide values whichever one Prometheus asks. Each query
reads only unfinished rows or open tickets through the queue indexes
(``ix_inbound_message_queue``, ``ix_outbound_message_queue``, ``ix_ticket_queue``), so a
scrape stays cheap however many finished messages the tables hold.

Nothing here carries personal data: channels, statuses, ticket states and place names
are the only labels.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from helpdesk.conversations.models import (
    Channel,
    Conversation,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.places.models import Place
from helpdesk.tickets.models import OPEN_STATES, Ticket

INBOX_WAITING = (InboundStatus.PENDING, InboundStatus.PROCESSING)
OUTBOX_WAITING = (OutboundStatus.PENDING, OutboundStatus.SENDING)
CHANNELS = tuple(channel.value for channel in Channel)
CENTRAL = "zentral"  # the place label of tickets no place has taken (as in the staff UI)


@dataclass(frozen=True)
class Queue:
    """Unfinished rows of the inbox or the outbox, per channel."""

    count: dict[tuple[str, str], int]  # (channel, status) -> rows, zero for every pair
    oldest_seconds: dict[str, float]  # channel -> age of the oldest waiting row, 0 if none


@dataclass(frozen=True)
class PlaceTickets:
    """Open tickets of one place's queue (``place_id`` "" is the central queue)."""

    place_id: str
    place: str
    by_state: dict[str, int]
    overdue: int  # first response still missing after its due time


@dataclass(frozen=True)
class Snapshot:
    """The database's figures at one instant."""

    inbox: Queue
    outbox: Queue
    tickets: list[PlaceTickets]
    database_bytes: int | None
    disk_free_bytes: int | None = None


def take_snapshot(session: Session, *, now: datetime, database_url: str) -> Snapshot:
    """Read every figure in one read-only unit of work."""
    return Snapshot(
        inbox=_inbox(session, now),
        outbox=_outbox(session, now),
        tickets=_tickets(session, now),
        database_bytes=database_size_bytes(session),
        disk_free_bytes=disk_free_bytes(database_url),
    )


def _queue(
    rows: Iterable[tuple[str, str, int, datetime | None]],
    statuses: tuple[str, ...],
    now: datetime,
) -> Queue:
    count = {(channel, status): 0 for channel in CHANNELS for status in statuses}
    oldest = dict.fromkeys(CHANNELS, 0.0)
    for channel, status, rows_, first in rows:
        count[(channel, status)] = count.get((channel, status), 0) + rows_
        if first is not None:
            age = max(0.0, (now - first).total_seconds())
            oldest[channel] = max(oldest.get(channel, 0.0), age)
    return Queue(count, oldest)


def _inbox(session: Session, now: datetime) -> Queue:
    rows = session.execute(
        select(
            Conversation.channel,
            InboundMessage.status,
            func.count(),
            func.min(InboundMessage.received_at),
        )
        .join(Conversation, Conversation.id == InboundMessage.conversation_id)
        .where(InboundMessage.status.in_(INBOX_WAITING))
        .group_by(Conversation.channel, InboundMessage.status)
    ).all()
    return _queue(((r[0], r[1], r[2], r[3]) for r in rows), tuple(INBOX_WAITING), now)


def _outbox(session: Session, now: datetime) -> Queue:
    rows = session.execute(
        select(
            OutboundMessage.channel,
            OutboundMessage.status,
            func.count(),
            func.min(OutboundMessage.created_at),
        )
        .where(OutboundMessage.status.in_(OUTBOX_WAITING))
        .group_by(OutboundMessage.channel, OutboundMessage.status)
    ).all()
    return _queue(((r[0], r[1], r[2], r[3]) for r in rows), tuple(OUTBOX_WAITING), now)


def _tickets(session: Session, now: datetime) -> list[PlaceTickets]:
    """Every place (zero when its queue is empty) plus the central queue."""
    open_states = sorted(OPEN_STATES)
    names = {place_id: name for place_id, name in session.execute(select(Place.id, Place.name))}
    by_state: dict[int | None, dict[str, int]] = {
        key: dict.fromkeys(open_states, 0) for key in (None, *names)
    }
    overdue: dict[int | None, int] = dict.fromkeys(by_state, 0)
    for place_id, state, count in session.execute(
        select(Ticket.place_id, Ticket.state, func.count())
        .where(Ticket.state.in_(open_states))
        .group_by(Ticket.place_id, Ticket.state)
    ):
        by_state.setdefault(place_id, dict.fromkeys(open_states, 0))[state] = count
    for place_id, count in session.execute(
        select(Ticket.place_id, func.count())
        .where(
            Ticket.state.in_(open_states),
            Ticket.first_response_at.is_(None),
            Ticket.first_response_due_at < now,
        )
        .group_by(Ticket.place_id)
    ):
        overdue[place_id] = count
    return [
        PlaceTickets(
            place_id="" if key is None else str(key),
            place=CENTRAL if key is None else names.get(key, str(key)),
            by_state=states,
            overdue=overdue.get(key, 0),
        )
        for key, states in by_state.items()
    ]


def database_size_bytes(session: Session) -> int | None:
    """The database's size on disk (SQLite: the main file without its WAL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        page_size = session.execute(text("PRAGMA page_size")).scalar_one()
        return int(pages) * int(page_size)
    if dialect == "postgresql":
        size = session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return int(size)
    return None


def disk_free_bytes(database_url: str) -> int | None:
    """Free space on the file system of a SQLite database file; None for a server."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    try:
        return shutil.disk_usage(Path(str(url.database)).resolve().parent).free
    except OSError:
        return None
