"""Help-desk figures per place: tickets, first-response and resolution times.

Reads only counts and times of the ticket table: no text, no contact.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.analytics.source import Filters
from helpdesk.analytics.tables import Column, Kind, Table
from helpdesk.conversations.models import Conversation
from helpdesk.places.models import Place
from helpdesk.tickets.models import Ticket

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class _TicketStats:
    n: int = 0
    late: int = 0
    first: list[float] = field(default_factory=list)
    resolved: list[float] = field(default_factory=list)


def _median_hours(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def tickets_by_place(session: Session, filters: Filters, now: datetime | None = None) -> Table:
    """Tickets per place (created in the range) with first-response and resolution times.

    Reads only counts and times of the ticket table: no text, no contact.
    """
    now = now or datetime.now(UTC)
    start = datetime.combine(filters.start, time.min, tzinfo=BERLIN)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=BERLIN)
    stmt = (
        select(
            Ticket.place_id,
            Ticket.created_at,
            Ticket.first_response_at,
            Ticket.first_response_due_at,
            Ticket.resolved_at,
        )
        .outerjoin(Conversation, Conversation.id == Ticket.conversation_id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
    )
    if filters.channel is not None:
        stmt = stmt.where(Conversation.channel == filters.channel)
    if filters.stadtbezirk is not None:
        stmt = stmt.where(Ticket.stadtbezirk == filters.stadtbezirk)
    places = {p.id: p for p in session.scalars(select(Place))}
    stats: dict[int | None, _TicketStats] = defaultdict(_TicketStats)
    for place_id, created, first, due, resolved in session.execute(stmt):
        entry = stats[place_id]
        entry.n += 1
        if first is not None:
            entry.first.append((first - created).total_seconds() / 3600)
        if resolved is not None:
            entry.resolved.append((resolved - created).total_seconds() / 3600)
        if due is not None and (first or now) > due:
            entry.late += 1
    rows: list[dict[str, object]] = []
    for place_id, entry in stats.items():
        place = places.get(place_id) if place_id is not None else None
        rows.append(
            {
                "place": place.name if place else "Zentrale Warteschlange",
                "district": place.stadtbezirk if place else "–",
                "n": entry.n,
                "answered": len(entry.first),
                "first_median": _median_hours(entry.first),
                "resolved": len(entry.resolved),
                "resolved_median": _median_hours(entry.resolved),
                "late": entry.late,
                "on_time_rate": (entry.n - entry.late) / entry.n,
            }
        )
    rows.sort(key=lambda r: (-int(str(r["n"])), str(r["place"])))
    return Table(
        "Tickets je Ort",
        [
            Column("place", "Ort"),
            Column("district", "Stadtbezirk"),
            Column("n", "Tickets", Kind.COUNT),
            Column("answered", "Beantwortet", Kind.COUNT),
            Column(
                "first_median", "Erste Antwort nach (Median, Std.)", Kind.PER_1000, ("answered",)
            ),
            Column("resolved", "Gelöst", Kind.COUNT),
            Column("resolved_median", "Gelöst nach (Median, Std.)", Kind.PER_1000, ("resolved",)),
            Column("late", "Erste Antwort zu spät", Kind.COUNT),
            Column("on_time_rate", "Rechtzeitig beantwortet", Kind.RATE, ("n", "late")),
        ],
        rows,
        note="Zeiten in Stunden seit dem Anlegen des Tickets. Zu spät: nach der Frist, die sich "
        "aus den betreuten Zeiten des Ortes ergibt.",
    )
