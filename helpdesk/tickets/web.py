"""Staff ticket UI: the queue ("Meine Warteschlange"), its rows and CSV export, and live
updates. One ticket's page and its actions are in `helpdesk.tickets.web_ticket`,
included here. Thin routes: authorisation lives in the service layer (every query takes
the principal); each read and write is audited in the same transaction.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from helpdesk.conversations.notify import Notifier, wait_for
from helpdesk.db import parse_row_id
from helpdesk.deps import DbDep, NotifierDep
from helpdesk.places.routing import BERLIN
from helpdesk.staff import audit
from helpdesk.staff.deps import (
    ClockDep,
    render_staff,
    session_still_valid,
)
from helpdesk.staff.principal import StaffPrincipal
from helpdesk.tickets import queries, web_ticket
from helpdesk.tickets.models import Priority, TicketState
from helpdesk.tickets.web_common import TicketStaff, run_work

router = APIRouter(prefix="/staff/tickets", tags=["staff"], include_in_schema=False)

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
    context = await run_work(db, lambda s: _queue_context(s, principal, args, clock()))
    return render_staff(request, principal, "staff/tickets/queue.html", context)


@router.get("/rows", response_class=HTMLResponse)
async def queue_rows(
    request: Request, principal: TicketStaff, db: DbDep, clock: ClockDep, args: FilterDep
) -> Response:
    """Only the table body, for the page's live update."""
    context = await run_work(db, lambda s: _queue_context(s, principal, args, clock()))
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

    rows = await run_work(db, work)
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


def _local(value: datetime) -> str:
    return value.astimezone(BERLIN).isoformat(timespec="minutes")


# Last: "/{ticket_id}" must not shadow "/rows", "/export.csv" and "/events".
router.include_router(web_ticket.router)
