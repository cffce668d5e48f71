"""Staff ticket UI: one ticket's page and its actions (reply, note, state, priority,
assignment, transfer, erasure). Thin routes: authorisation lives in the service layer;
each read and write is audited in the same transaction. Included by
`helpdesk.tickets.web` under /staff/tickets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from helpdesk.db import parse_row_id
from helpdesk.deps import DbDep, NotifierDep, RowId
from helpdesk.internal.tickets import DueRulesDep
from helpdesk.privacy.erasure import erase_conversation
from helpdesk.staff import audit
from helpdesk.staff.deps import ClockDep, CsrfChecked, render_staff
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.texts import text as citizen_text
from helpdesk.tickets import assignment, queries, service
from helpdesk.tickets.errors import InvalidChange, NotAllowed, TicketNotFound
from helpdesk.tickets.models import OPEN_STATES
from helpdesk.tickets.web_common import TicketStaff, not_found, run_work

router = APIRouter(tags=["staff"], include_in_schema=False)


@router.get("/{ticket_id}", response_class=HTMLResponse)
async def view(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    db: DbDep,
    clock: ClockDep,
    fehler: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """One ticket: transcript, thread, reply box, canned replies, actions, history."""

    def work(session: Session) -> queries.TicketView:
        view = queries.get_ticket_view(
            session, principal, ticket_id, now=clock(), keys=request.app.state.keys
        )
        audit.record(session, principal, "ticket.view", "ticket", ticket_id)
        return view

    try:
        ticket = await run_work(db, work)
    except TicketNotFound:
        return not_found(request, principal)
    context = {
        "ticket": ticket,
        "canned": queries.canned_replies(),
        "error": fehler,
        "is_open": ticket.row.state in OPEN_STATES,
    }
    return render_staff(request, principal, "staff/tickets/view.html", context)


async def _change(
    request: Request,
    db: Any,
    principal: StaffPrincipal,
    ticket_id: int,
    action: str,
    change: Callable[[Session], object],
    detail: dict[str, Any] | None = None,
) -> Response:
    def work(session: Session) -> None:
        change(session)
        audit.record(session, principal, action, "ticket", ticket_id, detail)

    try:
        await run_work(db, work)
    except TicketNotFound:
        return not_found(request, principal)
    except InvalidChange:
        return RedirectResponse(f"/staff/tickets/{ticket_id}?fehler={action}", status_code=303)
    return RedirectResponse(f"/staff/tickets/{ticket_id}", status_code=303)


TextField = Annotated[str, Form(max_length=service.MAX_TEXT)]


@router.post("/{ticket_id}/reply")
async def reply(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    clock: ClockDep,
    notifier: NotifierDep,
    text: TextField,
) -> Response:
    """Send a reply to the citizen on their channel (through the outbox)."""
    response = await _change(
        request,
        db,
        principal,
        ticket_id,
        "ticket.reply",
        lambda s: service.reply(s, principal, ticket_id, text, now=clock()),
    )
    notifier.outbound_stored()
    return response


@router.post("/{ticket_id}/note")
async def note(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    clock: ClockDep,
    text: TextField,
) -> Response:
    """An internal note (never sent to the citizen)."""
    return await _change(
        request,
        db,
        principal,
        ticket_id,
        "ticket.note",
        lambda s: service.add_note(s, principal, ticket_id, text, now=clock()),
    )


@router.post("/{ticket_id}/state")
async def change_state(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    clock: ClockDep,
    notifier: NotifierDep,
    state: Annotated[str, Form(max_length=32)],
) -> Response:
    """Change the state; solving or closing hands the conversation back to the bot."""
    response = await _change(
        request,
        db,
        principal,
        ticket_id,
        "ticket.state",
        lambda s: service.set_state(s, principal, ticket_id, state, now=clock()),
        {"state": state[:32]},
    )
    notifier.outbound_stored()
    return response


@router.post("/{ticket_id}/priority")
async def change_priority(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    clock: ClockDep,
    rules: DueRulesDep,
    priority: Annotated[str, Form(max_length=16)],
) -> Response:
    """Change the priority."""
    return await _change(
        request,
        db,
        principal,
        ticket_id,
        "ticket.priority",
        lambda s: service.set_priority(s, principal, ticket_id, priority, now=clock(), rules=rules),
        {"priority": priority[:16]},
    )


@router.post("/{ticket_id}/assign")
async def assign(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    clock: ClockDep,
    assignee: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Assign (helpers: only themselves) or release the ticket."""
    assignee_id = parse_row_id(assignee)
    if assignee_id is None and assignee:
        return RedirectResponse(f"/staff/tickets/{ticket_id}?fehler=ticket.assign", 303)
    return await _change(
        request,
        db,
        principal,
        ticket_id,
        "ticket.assign",
        lambda s: assignment.assign(s, principal, ticket_id, assignee_id, now=clock()),
        {"assignee_id": assignee_id},
    )


@router.post("/{ticket_id}/transfer")
async def transfer(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    clock: ClockDep,
    place: Annotated[str, Form(max_length=16)],
) -> Response:
    """Move the ticket to another place's queue ("zentral": the central queue)."""
    place_id = parse_row_id(place)
    if place_id is None and place != "zentral":
        return RedirectResponse(f"/staff/tickets/{ticket_id}?fehler=ticket.transfer", 303)
    response = await _change(
        request,
        db,
        principal,
        ticket_id,
        "ticket.transfer",
        lambda s: assignment.transfer(s, principal, ticket_id, place_id, now=clock()),
        {"place_id": place_id},
    )
    location = response.headers.get("location", "")
    if principal.may_see_place(place_id) or "fehler" in location or response.status_code != 303:
        return response
    # The ticket left the helper's places: back to the queue.
    return RedirectResponse("/staff/tickets?verschoben=1", status_code=303)


@router.post("/{ticket_id}/erase")
async def erase_citizen(
    request: Request,
    ticket_id: RowId,
    principal: TicketStaff,
    _csrf: CsrfChecked,
    db: DbDep,
    notifier: NotifierDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Art. 17 on the citizen's request, by an admin: the same erasure as "LÖSCHEN"."""
    tracker = getattr(request.app.state, "tracker", None)

    def work(session: Session) -> None:
        ticket = service.load_ticket(session, principal, ticket_id, for_update=True)
        if principal.role != Role.ADMIN:
            raise NotAllowed(principal.role)
        if confirm != "ja" or ticket.conversation_id is None:
            raise InvalidChange("not confirmed, or erased already")
        erase_conversation(
            session,
            ticket.conversation_id,
            actor=f"staff:{principal.id}",
            tracker=tracker,
            farewell=citizen_text("erase_done"),
        )
        audit.record(session, principal, "ticket.erase_citizen", "ticket", ticket_id)

    try:
        await run_work(db, work)
    except TicketNotFound:
        return not_found(request, principal)
    except InvalidChange:
        return RedirectResponse(f"/staff/tickets/{ticket_id}?fehler=ticket.erase", status_code=303)
    notifier.outbound_stored()
    return RedirectResponse("/staff/tickets?geloescht=1", status_code=303)
