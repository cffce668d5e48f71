"""Which tickets need an e-mail to staff, who gets it, and what it says (no web framework).

Two events, each mailed at most once per ticket: a new ticket with priority "dringend",
and a first-response due time that passed without a first response. The mail names the
ticket number, priority, topic, place, due time and a link; never the citizen's name,
number or message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.notifications.models import NotificationSent, NotifyEvent
from helpdesk.places.models import Place
from helpdesk.staff.models import StaffPlace, StaffUser
from helpdesk.staff.principal import Role
from helpdesk.texts import text
from helpdesk.tickets.models import OPEN_STATES, Priority, Ticket

BERLIN = ZoneInfo("Europe/Berlin")
# Events older than this are not mailed (e.g. when notifications are first switched on).
MAX_AGE = timedelta(hours=24)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Claim:
    """A ticket event this process may mail now (its row is leased to us)."""

    row_id: int
    ticket_id: int
    event: NotifyEvent


@dataclass(frozen=True)
class TicketMail:
    """What goes into one notification (no personal data of the citizen)."""

    ticket_id: int
    event: NotifyEvent
    priority: str
    topic: str
    place_id: int | None  # None: the central queue
    place: str | None
    due_at: datetime | None
    link: str


def due_events(session: Session, now: datetime) -> list[tuple[int, NotifyEvent]]:
    """Open, unanswered tickets with an event that has no notification row yet."""
    found: list[tuple[int, NotifyEvent]] = []
    since = now - MAX_AGE
    base = (Ticket.state.in_(OPEN_STATES), Ticket.first_response_at.is_(None))
    conditions = {
        NotifyEvent.DRINGEND: and_(
            *base, Ticket.priority == Priority.DRINGEND.value, Ticket.created_at >= since
        ),
        NotifyEvent.OVERDUE: and_(
            *base, Ticket.first_response_due_at <= now, Ticket.first_response_due_at >= since
        ),
    }
    for event, condition in conditions.items():
        known = exists().where(
            NotificationSent.ticket_id == Ticket.id, NotificationSent.event == event.value
        )
        ids = session.scalars(select(Ticket.id).where(condition, ~known).order_by(Ticket.id))
        found.extend((ticket_id, event) for ticket_id in ids)
    return found


def claim(session: Session, ticket_id: int, event: NotifyEvent, now: datetime) -> Claim | None:
    """Insert the once-row for the event; None when another process (or an earlier run)
    already has it. Run in a transaction of its own: a lost race rolls it back."""
    row = NotificationSent(ticket_id=ticket_id, event=event.value, created_at=now)
    row.lease_until = now + LEASE
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        return None
    return Claim(row.id, ticket_id, event)


def reclaim_unsent(session: Session, now: datetime) -> list[Claim]:
    """Rows whose mail failed or whose sender died: lease them again (compare-and-set)."""
    rows = session.execute(
        select(NotificationSent.id, NotificationSent.ticket_id, NotificationSent.event).where(
            NotificationSent.sent_at.is_(None), NotificationSent.lease_until <= now
        )
    ).all()
    claims = []
    for row_id, ticket_id, event in rows:
        taken = session.execute(
            update(NotificationSent)
            .where(
                NotificationSent.id == row_id,
                NotificationSent.sent_at.is_(None),
                NotificationSent.lease_until <= now,
            )
            .values(lease_until=now + LEASE)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claims.append(Claim(row_id, ticket_id, NotifyEvent(event)))
    return claims


def recipients_of(session: Session, place_id: int | None) -> list[str]:
    """Addresses of the active staff of the place (not organisers) and the coordinators.

    The central queue (no place) goes to the coordinators only.
    """
    who = StaffUser.role == Role.COORDINATOR.value
    if place_id is not None:
        member = exists().where(
            StaffPlace.staff_id == StaffUser.id, StaffPlace.place_id == place_id
        )
        who = or_(who, and_(member, StaffUser.role != Role.ORGANISER.value))
    addresses = session.scalars(
        select(StaffUser.email)
        .where(who, StaffUser.active.is_(True), StaffUser.email.is_not(None))
        .order_by(StaffUser.id)
    )
    return sorted({address.strip() for address in addresses if address and address.strip()})


def describe(session: Session, item: Claim, public_url: str) -> TicketMail | None:
    """The mail's facts, or None when the ticket is gone."""
    ticket = session.get(Ticket, item.ticket_id)
    if ticket is None:
        return None
    place = session.get(Place, ticket.place_id) if ticket.place_id is not None else None
    return TicketMail(
        ticket_id=ticket.id,
        event=item.event,
        priority=ticket.priority,
        topic=ticket.topic,
        place_id=ticket.place_id,
        place=place.name if place is not None else None,
        due_at=ticket.first_response_due_at,
        link=f"{public_url.rstrip('/')}/staff/tickets/{ticket.id}",
    )


def build_message(mail: TicketMail, sender: str) -> EmailMessage:
    """A plain German e-mail. The recipients go into the SMTP envelope only, so staff
    do not see each other's addresses."""
    values = {
        "ticket_id": str(mail.ticket_id),
        "priority": mail.priority,
        "topic": mail.topic or text("notify_no_topic"),
        "place": mail.place or text("notify_central_queue"),
        "due": local_time(mail.due_at) if mail.due_at else text("notify_no_due"),
        "link": mail.link,
    }
    message = EmailMessage()
    message["Subject"] = text(f"notify_subject_{mail.event.value}", **values)
    message["From"] = sender
    message["To"] = "undisclosed-recipients:;"
    message.set_content(text(f"notify_body_{mail.event.value}", **values))
    return message


def local_time(value: datetime) -> str:
    """Dortmund wall-clock time, e.g. "30.11.2026, 10:00 Uhr"."""
    return value.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def mark_sent(session: Session, row_id: int, now: datetime, recipients: int) -> None:
    """The mail went out (or there was nobody to mail): never again."""
    row = session.get_one(NotificationSent, row_id)
    row.sent_at = now
    row.attempts += 1
    row.recipients = recipients


def mark_failed(session: Session, row_id: int, now: datetime) -> None:
    """Sending failed: the next round may try again."""
    row = session.get_one(NotificationSent, row_id)
    row.attempts += 1
    row.lease_until = now
