"""Staff ticket UI: the queue ("Meine Warteschlange"), live updates, the ticket page and
its actions. Thin routes: authorisation lives in the service layer (every query takes the
principal); each read and write is audited in the same transaction.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpdesk.conversations.notify import Notifier, wait_for
from helpdesk.db import parse_row_id
from helpdesk.deps import DbDep, NotifierDep, RowId
from helpdesk.internal.tickets import DueRulesDep
from helpdesk.places.routing import BERLIN
from helpdesk.privacy.erasure import erase_conversation
from helpdesk.staff import audit
from helpdesk.staff.deps import (
    ClockDep,
    CsrfChecked,
    StaffForbidden,
    render_staff,
    require_roles,
    session_still_valid,
)
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.texts import text as citizen_text
from helpdesk.tickets import assignment, queries, service
from helpdesk.tickets.errors import InvalidChange, NotAllowed, TicketNotFound
from helpdesk.tickets.models import OPEN_STATES, Priority, TicketState

router = APIRouter(prefix="/staff/tickets", tags=["staff"], include_in_schema=False)

TicketStaff = Annotated[
    StaffPrincipal, Depends(require_roles(Role.HELPER, Role.COORDINATOR, Role.ADMIN))
]
_T = TypeVar("_T")
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 300.0  # the browser's EventSource reconnects by itself


def _filters(
    state: str | None, priority: str | None, place: str | None, age: str | None, mine: bool
) -> queries.TicketFilter:
    if state == "":
        wanted: str | None = None  # every state
    elif state in set(TicketState):
        wanted = state
    else:
        wanted = queries.OPEN
    # ASCII digits only ("²" is isdigit()); beyond the id range: a place nobody has (0).
    place_id = (parse_row_id(place) or 0) if place and place.isascii() and place.isdigit() else None
    return queries.TicketFilter(
        state=wanted,
        priority=priority if priority in set(Priority) else None,
        place_id=place_id,
        central=place == "zentral",
        older_than=age if age in queries.AGES else None,
        mine=mine,
    )


FilterArgs = dict[str, Any]


def _filter_args(
    state: Annotated[str | None, Query(max_length=32)] = queries.OPEN,
    priority: Annotated[str | None, Query(max_length=16)] = None,
    place: Annotated[str | None, Query(max_length=16)] = None,
    age: Annotated[str | None, Query(max_length=4)] = None,
    mine: bool = False,
) -> FilterArgs:
    return {"state": state, "priority": priority, "place": place, "age": age, "mine": mine}


FilterDep = Annotated[FilterArgs, Depends(_filter_args)]


async def _run(db: Any, work: Callable[[Session], _T]) -> _T:
    """Run ``work`` in one unit of work off the event loop; map domain errors."""

    def run() -> _T:
        with db.session() as session:
            return work(session)

    try:
        return await run_in_threadpool(run)
    except NotAllowed as error:
        raise StaffForbidden("role") from error


def _not_found(request: Request, principal: StaffPrincipal) -> Response:
    return render_staff(request, principal, "staff/not_found.html", status_code=404)


def _queue_context(
    session: Session, principal: StaffPrincipal, args: FilterArgs, now: Any
) -> dict[str, Any]:
    rows = queries.list_tickets(session, principal, _filters(**args), now=now)
    audit.record(session, principal, "ticket.list", "ticket", None, {"count": len(rows)}, at=now)
    places = queries.places_for(session, principal)
    return {
        "rows": rows,
        "args": args,
        "places": places,
        "now": now,
        "page_rows": queries.PAGE_ROWS,
    }


@router.get("", response_class=HTMLResponse)
async def queue(
    request: Request, principal: TicketStaff, db: DbDep, clock: ClockDep, args: FilterDep
) -> Response:
    """Meine Warteschlange, with filters; updates itself when tickets arrive."""
    context = await _run(db, lambda s: _queue_context(s, principal, args, clock()))
    return render_staff(request, principal, "staff/tickets/queue.html", context)


@router.get("/rows", response_class=HTMLResponse)
async def queue_rows(
    request: Request, principal: TicketStaff, db: DbDep, clock: ClockDep, args: FilterDep
) -> Response:
    """Only the table body, for the page's live update."""
    context = await _run(db, lambda s: _queue_context(s, principal, args, clock()))
    return render_staff(request, principal, "staff/tickets/_rows.html", context)


@router.get("/export.csv")
async def export(principal: TicketStaff, db: DbDep, clock: ClockDep, args: FilterDep) -> Response:
    """The filtered queue as CSV (no contact data, no message texts)."""

    def work(session: Session) -> list[queries.TicketRow]:
        rows = queries.list_tickets(
            session, principal, _filters(**args), now=clock(), limit=queries.EXPORT_ROWS
        )
        audit.record(session, principal, "ticket.export", "ticket", None, {"count": len(rows)})
        return rows

    rows = await _run(db, work)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "status", "prioritaet", "art", "ort", "stadtbezirk", "thema", "erstellt", "faellig"]
    )
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.state,
                row.priority,
                row.type,
                row.place_name or "zentral",
                row.stadtbezirk or "",
                row.topic,
                # Dortmund wall-clock time, with its offset (MEZ/MESZ), as staff read it.
                _local(row.created_at),
                _local(row.due_at) if row.due_at else "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="tickets.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/events")
async def events(
    request: Request, principal: TicketStaff, notifier: NotifierDep, clock: ClockDep
) -> StreamingResponse:
    """Server-sent events: "tickets" whenever a ticket arrives or a citizen writes."""

    async def signed_in() -> bool:
        return await session_still_valid(request, clock())

    return StreamingResponse(
        _stream(notifier, signed_in),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(
    notifier: Notifier, signed_in: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """The stream authenticated once, at its start: the session is read again every
    heartbeat, so a logout or a deactivated account ends it within seconds."""
    event = notifier.watch_tickets()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    checked = loop.time()
    try:
        yield "retry: 2000\n\n"
        while loop.time() < deadline:
            event.clear()
            await wait_for(event, HEARTBEAT_SECONDS)
            if loop.time() - checked >= HEARTBEAT_SECONDS or not event.is_set():
                if not await signed_in():
                    return
                checked = loop.time()
            yield "event: tickets\ndata: changed\n\n" if event.is_set() else ": ping\n\n"
    finally:
        notifier.unwatch_tickets(event)


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
        ticket = await _run(db, work)
    except TicketNotFound:
        return _not_found(request, principal)
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
        await _run(db, work)
    except TicketNotFound:
        return _not_found(request, principal)
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
        await _run(db, work)
    except TicketNotFound:
        return _not_found(request, principal)
    except InvalidChange:
        return RedirectResponse(f"/staff/tickets/{ticket_id}?fehler=ticket.erase", status_code=303)
    notifier.outbound_stored()
    return RedirectResponse("/staff/tickets?geloescht=1", status_code=303)


def _local(value: datetime) -> str:
    return value.astimezone(BERLIN).isoformat(timespec="minutes")
