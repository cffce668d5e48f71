"""What staff read: the queue, one ticket with its transcript and history, canned replies.

Every query takes the ``StaffPrincipal`` and filters by it here, in the service layer:
a helper's list, filters, export and ticket view only ever contain their places' tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, Select, case, select, true
from sqlalchemy.orm import Session

from helpdesk.conversations.models import Conversation, InboundMessage, OutboundMessage
from helpdesk.places.models import Place
from helpdesk.privacy.crypto import Keyring
from helpdesk.privacy.phones import restore_numbers
from helpdesk.staff.models import StaffUser
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.tickets.assignment import assignable
from helpdesk.tickets.errors import NotAllowed
from helpdesk.tickets.models import (
    OPEN_STATES,
    Priority,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from helpdesk.tickets.service import load_ticket

CANNED = Path(__file__).resolve().parent / "data" / "canned_replies.yml"
OPEN = "offen"  # filter value: every open state
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}
PAGE_ROWS = 50  # the queue shows the most urgent first; filters narrow it down
EXPORT_ROWS = 10_000


@dataclass(frozen=True)
class TicketFilter:
    """Queue filters (all optional). ``state`` "offen" means every open state."""

    state: str | None = OPEN
    priority: str | None = None
    place_id: int | None = None
    central: bool = False  # only tickets without a place
    older_than: str | None = None  # "1h", "1d", "7d"
    mine: bool = False


@dataclass(frozen=True)
class TicketRow:
    """One line of the queue."""

    id: int
    state: str
    priority: str
    type: str
    place_id: int | None
    place_name: str | None
    topic: str
    stadtbezirk: str | None
    summary: str
    assignee: str | None
    channel: str | None  # None once the citizen's data was erased (ticket detached)
    created_at: datetime
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class ThreadEntry:
    """A line of a transcript or ticket thread."""

    at: datetime
    author: str  # citizen, bot, staff, note, system
    text: str
    staff: str | None = None


@dataclass(frozen=True)
class TicketView:
    """Everything the ticket page shows."""

    row: TicketRow
    callback_window: str | None
    phone: str | None
    first_response_at: datetime | None
    transcript: list[ThreadEntry]
    thread: list[ThreadEntry]
    history: list[tuple[datetime, str, str | None, dict[str, Any]]]
    places: list[tuple[int, str, str]]
    assignees: list[tuple[int, str]]


@dataclass(frozen=True)
class CannedReply:
    key: str
    title: str
    text: str


@lru_cache(maxsize=1)
def canned_replies() -> tuple[CannedReply, ...]:
    """The canned replies (German data file)."""
    data: Any = yaml.safe_load(CANNED.read_text(encoding="utf-8"))
    return tuple(CannedReply(str(i["key"]), str(i["title"]), str(i["text"])) for i in data)


def visible_to(principal: StaffPrincipal) -> ColumnElement[bool]:
    """The tickets a principal may see, as a SQL condition (the object-level rule)."""
    if not principal.works_tickets:
        raise NotAllowed(principal.role)
    if principal.sees_all_places:
        return true()
    return Ticket.place_id.in_(sorted(principal.place_ids))


def _queue_query(
    principal: StaffPrincipal,
) -> Select[Ticket, str | None, str | None, str | None]:
    # Outer join: an erasure detaches the ticket from its conversation, and the ticket
    # (closed, without personal data) must still open (it was a 500: form fuzzer).
    return (
        select(Ticket, Place.name, StaffUser.display_name, Conversation.channel)
        .outerjoin(Conversation, Conversation.id == Ticket.conversation_id)
        .outerjoin(Place, Place.id == Ticket.place_id)
        .outerjoin(StaffUser, StaffUser.id == Ticket.assignee_id)
        .where(visible_to(principal))
    )


def list_tickets(
    session: Session,
    principal: StaffPrincipal,
    filters: TicketFilter,
    *,
    now: datetime,
    limit: int = PAGE_ROWS,
) -> list[TicketRow]:
    """The principal's queue: most urgent first, then oldest (``limit`` rows)."""
    query = _queue_query(principal)
    if filters.state == OPEN:
        query = query.where(Ticket.state.in_(sorted(OPEN_STATES)))
    elif filters.state:
        query = query.where(Ticket.state == filters.state)
    if filters.priority:
        query = query.where(Ticket.priority == filters.priority)
    if filters.central:
        query = query.where(Ticket.place_id.is_(None))
    elif filters.place_id is not None:
        query = query.where(Ticket.place_id == filters.place_id)
    if filters.older_than in AGES:
        query = query.where(Ticket.created_at <= now - AGES[filters.older_than])
    if filters.mine:
        query = query.where(Ticket.assignee_id == principal.id)
    rank = case(
        (Ticket.priority == Priority.DRINGEND, 0), (Ticket.priority == Priority.HOCH, 1), else_=2
    )
    query = query.order_by(rank, Ticket.created_at, Ticket.id).limit(limit)
    return [_row(*row, now=now) for row in session.execute(query).all()]


def _row(
    ticket: Ticket, place: str | None, assignee: str | None, channel: str | None, *, now: datetime
) -> TicketRow:
    due = ticket.first_response_due_at
    return TicketRow(
        id=ticket.id,
        state=ticket.state,
        priority=ticket.priority,
        type=ticket.type,
        place_id=ticket.place_id,
        place_name=place,
        topic=ticket.topic,
        stadtbezirk=ticket.stadtbezirk,
        summary=ticket.summary,
        assignee=assignee,
        channel=channel,
        created_at=ticket.created_at,
        due_at=due,
        overdue=bool(
            due and ticket.first_response_at is None and due < now and ticket.state in OPEN_STATES
        ),
    )


def get_ticket_view(
    session: Session,
    principal: StaffPrincipal,
    ticket_id: int,
    *,
    now: datetime,
    keys: Keyring | None = None,
) -> TicketView:
    """One ticket with transcript, thread and history, if the principal may see it."""
    ticket = load_ticket(session, principal, ticket_id)
    row = session.execute(_queue_query(principal).where(Ticket.id == ticket.id)).one()
    staff_names: dict[int | None, str] = {
        row[0]: row[1] for row in session.execute(select(StaffUser.id, StaffUser.display_name))
    }
    thread = [
        ThreadEntry(
            m.created_at,
            m.author,
            restore_numbers(m.text, sealed, keys) if sealed and keys else m.text,
            staff_names.get(m.staff_id),
        )
        for m, sealed in session.execute(
            select(TicketMessage, InboundMessage.numbers_enc)
            .outerjoin(InboundMessage, TicketMessage.inbound_message_id == InboundMessage.id)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.id)
        ).tuples()
    ]
    history = [
        (e.created_at, e.kind, staff_names.get(e.staff_id), dict(e.data))
        for e in session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    ]
    return TicketView(
        row=_row(*row, now=now),
        callback_window=keys.decrypt(ticket.callback_window)
        if ticket.callback_window and keys
        else None,
        phone=keys.decrypt(ticket.phone) if ticket.phone and keys else None,
        first_response_at=ticket.first_response_at,
        transcript=transcript(session, ticket.conversation_id, until=ticket.created_at)
        if ticket.conversation_id is not None
        else [],
        thread=thread,
        history=history,
        places=[
            (p.id, p.name, p.stadtbezirk)
            for p in session.scalars(select(Place).order_by(Place.stadtbezirk, Place.name))
        ],
        assignees=_assignees(session, principal, ticket.place_id),
    )


def transcript(session: Session, conversation_id: int, *, until: datetime) -> list[ThreadEntry]:
    """The conversation with the bot up to the handoff, oldest first (last 100 lines)."""
    inbound = session.execute(
        select(InboundMessage.received_at, InboundMessage.text)
        .where(
            InboundMessage.conversation_id == conversation_id,
            InboundMessage.received_at <= until,
        )
        .order_by(InboundMessage.id.desc())
        .limit(50)
    ).all()
    outbound = session.execute(
        select(OutboundMessage.created_at, OutboundMessage.text)
        .where(
            OutboundMessage.conversation_id == conversation_id,
            OutboundMessage.created_at <= until,
        )
        .order_by(OutboundMessage.id.desc())
        .limit(50)
    ).all()
    lines = [ThreadEntry(at, "citizen", text) for at, text in inbound]
    lines += [ThreadEntry(at, "bot", text) for at, text in outbound]
    return sorted(lines, key=lambda line: line.at)


def _assignees(
    session: Session, principal: StaffPrincipal, place_id: int | None
) -> list[tuple[int, str]]:
    """Whom the principal may give the ticket to: helpers only themselves."""
    if principal.role == Role.HELPER:
        return [(principal.id, principal.display_name)]
    query = assignable(place_id).order_by(StaffUser.display_name)
    return [(row[0], row[1]) for row in session.execute(query)]


def places_for(session: Session, principal: StaffPrincipal) -> list[tuple[int, str, str]]:
    """The places a principal can filter by: a helper's own, or every place."""
    query = select(Place.id, Place.name, Place.stadtbezirk).order_by(Place.stadtbezirk, Place.name)
    if not principal.sees_all_places:
        query = query.where(Place.id.in_(sorted(principal.place_ids)))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]
