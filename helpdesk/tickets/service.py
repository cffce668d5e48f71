"""Use cases of the help desk. Each function runs inside the caller's unit of work.

Every function a staff member triggers takes their ``StaffPrincipal`` and checks it
against the ticket's place here, in the service layer (object-level authorisation), so
no route can forget it. Tickets outside the principal's places raise ``TicketNotFound``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.conversations import service as hub
from helpdesk.conversations.models import Contact, Conversation, OutboundKind
from helpdesk.conversations.service import InboundClaim
from helpdesk.places.hours import Closure, Week, parse_closures, parse_week
from helpdesk.places.models import Place
from helpdesk.privacy.crypto import Keyring
from helpdesk.staff.principal import StaffPrincipal
from helpdesk.texts import text as citizen_text
from helpdesk.tickets.due import staffed_due_at
from helpdesk.tickets.errors import (
    ConversationNotFound,
    InvalidChange,
    NotAllowed,
    TicketNotFound,
)
from helpdesk.tickets.models import (
    OPEN_STATES,
    Author,
    Priority,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketState,
    TicketType,
)

MAX_TEXT = 4000
_E = TypeVar("_E", bound=enum.StrEnum)


@dataclass(frozen=True)
class DueRules:
    """Staffed minutes until the first response, per priority, and the central desk's hours."""

    minutes: dict[str, int] = field(
        default_factory=lambda: {Priority.DRINGEND: 60, Priority.HOCH: 240, Priority.NORMAL: 480}
    )
    central_hours: Week = field(default_factory=lambda: parse_week("Mo-Fr 09:00-17:00"))


@dataclass(frozen=True)
class TicketCreate:
    """What the bot hands over when the citizen agreed to talk to a person."""

    conversation_id: int
    type: TicketType = TicketType.FRAGE
    priority: Priority = Priority.NORMAL
    place_id: int | None = None
    topic: str = ""
    stadtbezirk: str | None = None
    summary: str = ""
    callback_window: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Opened:
    """Result of ``open_ticket``: ``created`` is False when one was open already."""

    ticket_id: int
    created: bool
    first_response_due_at: datetime | None


def conversation_by_pseudonym(session: Session, pseudonym: str) -> Conversation:
    """The conversation the bot knows by its pseudonym."""
    conversation = session.scalar(select(Conversation).where(Conversation.pseudonym == pseudonym))
    if conversation is None:
        raise ConversationNotFound(pseudonym[:8])
    return conversation


def sms_sender_number(session: Session, conversation: Conversation, keys: Keyring) -> str | None:
    """The SMS sender's number (only used when the citizen agreed to a call back on it)."""
    if conversation.channel != "sms":
        return None
    token = session.scalar(select(Contact.address_enc).where(Contact.id == conversation.contact_id))
    return keys.decrypt(token) if token else None


def place_week(place: Place | None, rules: DueRules) -> tuple[Week, tuple[Closure, ...]]:
    """The staffed week and closures that count for a ticket of ``place``."""
    if place is None:
        return rules.central_hours, ()
    week = parse_week(place.consultation_hours or place.opening_hours)
    if not any(week):
        week = parse_week(place.opening_hours)
    return week, parse_closures(place.closures)


def compute_due(
    session: Session, place_id: int | None, priority: str, start: datetime, rules: DueRules
) -> datetime | None:
    """First-response due time of a ticket created at ``start``."""
    place = session.get(Place, place_id) if place_id is not None else None
    week, closures = place_week(place, rules)
    minutes = rules.minutes.get(priority, rules.minutes[Priority.NORMAL])
    return staffed_due_at(week, closures, start, minutes)


def get_open_ticket(
    session: Session, conversation_id: int, *, for_update: bool = False
) -> Ticket | None:
    """The open ticket of a conversation, if any."""
    query = select(Ticket).where(Ticket.open_conversation_id == conversation_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def open_ticket(session: Session, data: TicketCreate, *, now: datetime, rules: DueRules) -> Opened:
    """Open a ticket for a conversation, or return the one already open (idempotent).

    From now on the hub hands the conversation's messages to the ticket, not to the bot.
    """
    existing = get_open_ticket(session, data.conversation_id)
    if existing is not None:
        return Opened(existing.id, False, existing.first_response_due_at)
    if data.place_id is not None and session.get(Place, data.place_id) is None:
        raise InvalidChange("unknown place")
    ticket = Ticket(
        conversation_id=data.conversation_id,
        open_conversation_id=data.conversation_id,
        type=data.type,
        state=TicketState.NEU,
        priority=data.priority,
        place_id=data.place_id,
        topic=data.topic[:100],
        stadtbezirk=data.stadtbezirk,
        summary=data.summary[:MAX_TEXT],
        # Both encrypted with the contact keys by the caller.
        callback_window=data.callback_window or None,
        phone=data.phone or None,
        first_response_due_at=compute_due(session, data.place_id, data.priority, now, rules),
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    record_event(
        session, ticket, "created", None, now, priority=data.priority, place_id=data.place_id
    )
    return Opened(ticket.id, True, ticket.first_response_due_at)


def absorb_inbound(session: Session, claim: InboundClaim, *, now: datetime) -> bool:
    """The hub's pause: while a ticket is open, a citizen message joins its thread.

    Runs in the transaction that marks the message done, so the message is neither lost
    nor answered by the bot. Returns True when the bot must not be asked (also when the
    claim was lost: the worker that holds it now decides).
    """
    ticket = get_open_ticket(session, claim.conversation_id, for_update=True)
    if ticket is None:
        return False
    if not hub.finish_inbound_silently(session, claim, now=now):
        return True
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author=Author.CITIZEN,
            text=claim.text,
            inbound_message_id=claim.inbound_id,
            created_at=now,
        )
    )
    if ticket.state == TicketState.WARTET_AUF_ANTWORT:
        ticket.state = TicketState.IN_BEARBEITUNG
        record_event(session, ticket, "state", None, now, state=ticket.state, by="citizen")
    ticket.updated_at = now
    return True


# --- staff actions -------------------------------------------------------------------


def load_ticket(
    session: Session, principal: StaffPrincipal, ticket_id: int, *, for_update: bool = False
) -> Ticket:
    """The ticket, if the principal may work it (the object-level check)."""
    if not principal.works_tickets:
        raise NotAllowed(principal.role)
    ticket = session.get(Ticket, ticket_id, with_for_update=for_update)
    if ticket is None or not principal.may_see_place(ticket.place_id):
        raise TicketNotFound(ticket_id)
    return ticket


def reply(
    session: Session, principal: StaffPrincipal, ticket_id: int, body: str, *, now: datetime
) -> int:
    """Send a staff reply to the citizen through the outbox; returns the outbox row id."""
    ticket = load_ticket(session, principal, ticket_id, for_update=True)
    body = _clean(body)
    if ticket.state not in OPEN_STATES:
        raise InvalidChange("ticket is not open")
    conversation = session.get_one(Conversation, ticket.conversation_id)
    outbound_id = hub.add_system_reply(
        session, conversation, body, inbound_id=None, now=now, kind=OutboundKind.STAFF
    )
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author=Author.STAFF,
            staff_id=principal.id,
            text=body,
            outbound_message_id=outbound_id,
            created_at=now,
        )
    )
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.assignee_id is None:
        ticket.assignee_id = principal.id
        record_event(session, ticket, "assignee", principal.id, now, assignee_id=principal.id)
    if ticket.state != TicketState.WARTET_AUF_ANTWORT:
        ticket.state = TicketState.WARTET_AUF_ANTWORT
        record_event(session, ticket, "state", principal.id, now, state=ticket.state)
    record_event(session, ticket, "reply", principal.id, now)
    ticket.updated_at = now
    return outbound_id


def add_note(
    session: Session, principal: StaffPrincipal, ticket_id: int, body: str, *, now: datetime
) -> None:
    """An internal note: staff only, never sent to the citizen."""
    ticket = load_ticket(session, principal, ticket_id, for_update=True)
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author=Author.NOTE,
            staff_id=principal.id,
            text=_clean(body),
            created_at=now,
        )
    )
    record_event(session, ticket, "note", principal.id, now)
    ticket.updated_at = now


def set_state(
    session: Session, principal: StaffPrincipal, ticket_id: int, state: str, *, now: datetime
) -> int | None:
    """Change the state. Solving or closing an open ticket hands the conversation back to
    the bot and tells the citizen; returns the id of that notice in the outbox."""
    ticket = load_ticket(session, principal, ticket_id, for_update=True)
    new = _parse(TicketState, state)
    if new == ticket.state:
        return None
    was_open = ticket.state in OPEN_STATES
    if not was_open and new in OPEN_STATES:
        if ticket.conversation_id is None:
            raise InvalidChange("the citizen had their data erased")
        if get_open_ticket(session, ticket.conversation_id) is not None:
            raise InvalidChange("the conversation has another open ticket")
        ticket.open_conversation_id = ticket.conversation_id
        ticket.resolved_at = None
    ticket.state = new
    ticket.updated_at = now
    record_event(session, ticket, "state", principal.id, now, state=new)
    if was_open and new not in OPEN_STATES:
        return _hand_back(session, ticket, now)
    return None


def _hand_back(session: Session, ticket: Ticket, now: datetime) -> int:
    ticket.open_conversation_id = None
    ticket.resolved_at = now
    conversation = session.get_one(Conversation, ticket.conversation_id)
    notice = citizen_text("ticket_resolved")
    outbound_id = hub.add_system_reply(session, conversation, notice, inbound_id=None, now=now)
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            author=Author.SYSTEM,
            text=notice,
            outbound_message_id=outbound_id,
            created_at=now,
        )
    )
    return outbound_id


def set_priority(
    session: Session,
    principal: StaffPrincipal,
    ticket_id: int,
    priority: str,
    *,
    now: datetime,
    rules: DueRules,
) -> None:
    """Change the priority (and, before the first response, the due time)."""
    ticket = load_ticket(session, principal, ticket_id, for_update=True)
    new = _parse(Priority, priority)
    if new == ticket.priority:
        return
    ticket.priority = new
    if ticket.first_response_at is None:
        ticket.first_response_due_at = compute_due(
            session, ticket.place_id, new, ticket.created_at, rules
        )
    ticket.updated_at = now
    record_event(session, ticket, "priority", principal.id, now, priority=new)


def record_event(
    session: Session,
    ticket: Ticket,
    kind: str,
    staff_id: int | None,
    now: datetime,
    **data: object,
) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind=kind,
            staff_id=staff_id,
            data={key: value for key, value in data.items()},
            created_at=now,
        )
    )


def _clean(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidChange("empty text")
    if len(body) > MAX_TEXT:
        raise InvalidChange("text too long")
    return body


def _parse(kind: type[_E], value: str) -> _E:
    try:
        return kind(value)
    except ValueError as error:
        raise InvalidChange(f"unknown value {value!r}") from error


def due_rules_from(central_hours: str, *, normal: int, hoch: int, dringend: int) -> DueRules:
    """The due rules from settings (``central_hours`` in the places CSV form)."""
    return DueRules(
        minutes={Priority.NORMAL: normal, Priority.HOCH: hoch, Priority.DRINGEND: dringend},
        central_hours=parse_week(central_hours),
    )
