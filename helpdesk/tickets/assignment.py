"""Who works a ticket: assigning it to a person and moving it to another place's queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from helpdesk.places.models import Place
from helpdesk.staff.models import StaffPlace, StaffUser
from helpdesk.staff.principal import TICKET_ROLES, Role, StaffPrincipal
from helpdesk.tickets.errors import InvalidChange, NotAllowed
from helpdesk.tickets.models import TicketState
from helpdesk.tickets.service import load_ticket, record_event


def assignable(place_id: int | None) -> Select[int, str]:
    """Who may take a ticket of ``place_id``: active staff with a ticket role; helpers
    only at their own places (a ticket of the central queue goes to coordinators and
    admins)."""
    query = select(StaffUser.id, StaffUser.display_name).where(
        StaffUser.active.is_(True), StaffUser.role.in_(sorted(TICKET_ROLES))
    )
    if place_id is None:
        return query.where(StaffUser.role != Role.HELPER)
    members = select(StaffPlace.staff_id).where(StaffPlace.place_id == place_id)
    return query.where(or_(StaffUser.role != Role.HELPER, StaffUser.id.in_(members)))


def assign(
    session: Session,
    principal: StaffPrincipal,
    ticket_id: int,
    assignee_id: int | None,
    *,
    now: datetime,
) -> None:
    """Give the ticket to someone. Helpers may only take it themselves or give it up."""
    ticket = load_ticket(session, principal, ticket_id, for_update=True)
    if principal.role == Role.HELPER and assignee_id not in (None, principal.id):
        raise NotAllowed("helpers assign only themselves")
    if assignee_id == ticket.assignee_id:
        return
    if assignee_id is not None:
        allowed = assignable(ticket.place_id).where(StaffUser.id == assignee_id)
        if session.scalar(allowed) is None:
            # Unknown, inactive, an organiser, or a helper of another place, who could
            # not even open the ticket.
            raise InvalidChange("this person cannot take the ticket")
    ticket.assignee_id = assignee_id
    if ticket.state == TicketState.NEU and assignee_id is not None:
        ticket.state = TicketState.IN_BEARBEITUNG
        record_event(session, ticket, "state", principal.id, now, state=ticket.state)
    ticket.updated_at = now
    record_event(session, ticket, "assignee", principal.id, now, assignee_id=assignee_id)


def transfer(
    session: Session,
    principal: StaffPrincipal,
    ticket_id: int,
    place_id: int | None,
    *,
    now: datetime,
) -> None:
    """Move the ticket to another place's queue (``None``: the central queue).

    The ticket leaves the helper's view if they do not belong to the new place; the
    assignee is cleared, because it was someone of the old place.
    """
    ticket = load_ticket(session, principal, ticket_id, for_update=True)
    if place_id is not None and session.get(Place, place_id) is None:
        raise InvalidChange("unknown place")
    if place_id == ticket.place_id:
        return
    old = ticket.place_id
    ticket.place_id = place_id
    ticket.assignee_id = None
    ticket.updated_at = now
    record_event(
        session, ticket, "transfer", principal.id, now, from_place_id=old, place_id=place_id
    )
