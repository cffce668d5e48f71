"""What the staff ticket pages share: the role check and one unit of work per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from helpdesk.staff.deps import StaffForbidden, render_staff, require_roles
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.tickets.errors import NotAllowed

TicketStaff = Annotated[
    StaffPrincipal, Depends(require_roles(Role.HELPER, Role.COORDINATOR, Role.ADMIN))
]
_T = TypeVar("_T")


async def run_work(db: Any, work: Callable[[Session], _T]) -> _T:
    """Run ``work`` in one unit of work off the event loop; map domain errors."""

    def run() -> _T:
        with db.session() as session:
            return work(session)

    try:
        return await run_in_threadpool(run)
    except NotAllowed as error:
        raise StaffForbidden("role") from error


def not_found(request: Request, principal: StaffPrincipal) -> Response:
    return render_staff(request, principal, "staff/not_found.html", status_code=404)
