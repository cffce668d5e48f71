"""JSON API for the place registry: reads for ticket roles, writes for admins (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.deps import DbDep
from helpdesk.staff import audit
from helpdesk.staff.deps import require_roles
from helpdesk.staff.places_admin import (
    Cell,
    PlaceExists,
    PlaceInvalid,
    PlaceNotFound,
    PlaceView,
    create_place,
    delete_place,
    get_view,
    list_views,
    to_cells,
    update_place,
)
from helpdesk.staff.principal import TICKET_ROLES, Role, StaffPrincipal

router = APIRouter(prefix="/staff/api/places", tags=["staff"])

Reader = Annotated[StaffPrincipal, Depends(require_roles(*TICKET_ROLES))]
Admin = Annotated[StaffPrincipal, Depends(require_roles(Role.ADMIN))]
PlaceBody = Annotated[dict[str, Cell], Body()]


class FieldProblem(BaseModel):
    field: str
    message: str


class PlaceProblems(BaseModel):
    """422: ``detail`` is a German sentence and ``errors`` names each field's problem; a
    body that is no JSON object gets FastAPI's list of validation errors in ``detail``."""

    detail: str | list[dict[str, Any]]
    errors: list[FieldProblem] = []


class Message(BaseModel):
    detail: str


WRITE_ANSWERS: dict[int | str, dict[str, Any]] = {
    422: {"model": PlaceProblems, "description": "The place is not valid (German messages)"},
}
KEY_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"model": Message, "description": "No place with this key"},
}


def _out(view: PlaceView) -> dict[str, Any]:
    return {"id": view.id, **view.cells}


def _invalid(error: PlaceInvalid) -> JSONResponse:
    return JSONResponse(
        {
            "detail": "Der Ort ist nicht gültig.",
            "errors": [{"field": e.column, "message": e.message} for e in error.errors],
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


@router.get("")
async def list_all(_principal: Reader, db: DbDep) -> list[dict[str, Any]]:
    """Every place, in the CSV import's field names, with its id."""

    def run() -> list[PlaceView]:
        with db.read_session() as session:
            return list_views(session)

    return [_out(view) for view in await run_in_threadpool(run)]


@router.get("/{key}", responses=KEY_ANSWERS)
async def read_one(key: str, _principal: Reader, db: DbDep) -> dict[str, Any]:
    def run() -> PlaceView | None:
        with db.read_session() as session:
            return get_view(session, key)

    view = await run_in_threadpool(run)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Diesen Ort gibt es nicht.")
    return _out(view)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE_ANSWERS, 409: {"model": Message, "description": "The key exists"}},
)
async def create(body: PlaceBody, principal: Admin, db: DbDep) -> Response:
    """Add a place (validated like a CSV row)."""
    try:
        view = await run_in_threadpool(_write, db, principal, "create", None, body)
    except PlaceInvalid as error:
        return _invalid(error)
    except PlaceExists as error:
        raise HTTPException(status.HTTP_409_CONFLICT, "Diesen Schlüssel gibt es schon.") from error
    return JSONResponse(_out(view), status_code=status.HTTP_201_CREATED)


@router.put("/{key}", responses={**WRITE_ANSWERS, **KEY_ANSWERS})
async def replace(key: str, body: PlaceBody, principal: Admin, db: DbDep) -> Response:
    """Replace a place's data; the key in the path wins."""
    try:
        view = await run_in_threadpool(_write, db, principal, "update", key, body)
    except PlaceInvalid as error:
        return _invalid(error)
    except PlaceNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Diesen Ort gibt es nicht.") from error
    return JSONResponse(_out(view))


@router.delete(
    "/{key}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**KEY_ANSWERS, 409: {"model": Message, "description": "Tickets point to it"}},
)
async def remove(key: str, principal: Admin, db: DbDep) -> Response:
    """Delete a place (refused while tickets still point to it)."""

    def run() -> None:
        with db.session() as session:
            place_id = delete_place(session, key)
            audit.record(session, principal, "place.delete", "place", place_id, {"key": key})

    try:
        await run_in_threadpool(run)
    except PlaceNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Diesen Ort gibt es nicht.") from error
    except IntegrityError as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "Der Ort wird noch verwendet (zum Beispiel von Tickets).",
        ) from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _write(
    db: Database,
    principal: StaffPrincipal,
    action: str,
    key: str | None,
    body: dict[str, Cell],
) -> PlaceView:
    cells = to_cells(body)
    with db.session() as session:
        view = create_place(session, cells) if key is None else update_place(session, key, cells)
        audit.record(
            session, principal, f"place.{action}", "place", view.id, {"key": view.cells["key"]}
        )
    return view
