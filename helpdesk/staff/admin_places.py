"""Admin pages for places (role admin): list, create, edit, delete.

The form fields are the CSV import's columns, validated by the same code
(``helpdesk.staff.places_admin``); many places at once go through ``diodo places import``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.deps import DbDep
from helpdesk.places.csvio import COLUMNS
from helpdesk.places.models import Place
from helpdesk.staff import audit
from helpdesk.staff.deps import render_staff, require_roles
from helpdesk.staff.places_admin import (
    PlaceExists,
    PlaceInvalid,
    PlaceNotFound,
    create_place,
    delete_place,
    get_view,
    update_place,
)
from helpdesk.staff.principal import Role, StaffPrincipal

router = APIRouter(
    prefix="/staff/admin/places",
    tags=["staff"],
    include_in_schema=False,
    dependencies=[Depends(require_roles(Role.ADMIN))],
)
Admin = Annotated[StaffPrincipal, Depends(require_roles(Role.ADMIN))]
TEXTAREAS = ("opening_hours", "consultation_hours", "closures", "accessibility_notes")


def _listing(db: Database) -> list[dict[str, Any]]:
    with db.read_session() as session:
        rows = session.execute(
            select(
                Place.key, Place.name, Place.stadtbezirk, Place.stufe, Place.is_example_data
            ).order_by(Place.stadtbezirk, Place.name)
        )
        return [
            {"key": k, "name": n, "stadtbezirk": b, "stufe": s, "example": e}
            for k, n, b, s, e in rows
        ]


def _field_errors(error: PlaceInvalid) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in error.errors:
        errors.setdefault(problem.column or "key", []).append(problem.message)
    return errors


async def _form_cells(request: Request) -> dict[str, str]:
    form = await request.form()
    return {column: str(form.get(column, "")).strip() for column in COLUMNS}


async def _list_page(
    request: Request,
    principal: StaffPrincipal,
    db: Database,
    *,
    cells: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render_staff(
        request,
        principal,
        "staff/admin/places.html",
        {
            "places": await run_in_threadpool(_listing, db),
            "columns": COLUMNS,
            "textareas": TEXTAREAS,
            "cells": cells or {"is_example_data": "nein"},
            "errors": errors or {},
            "done": request.query_params.get("ok"),
        },
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
async def places_list(request: Request, principal: Admin, db: DbDep) -> Response:
    """The registry with links to the edit form, and the form for a new place."""
    return await _list_page(request, principal, db)


@router.post("", response_class=HTMLResponse)
async def place_create(request: Request, principal: Admin, db: DbDep) -> Response:
    cells = await _form_cells(request)

    def run() -> None:
        with db.session() as session:
            view = create_place(session, cells)
            audit.record(
                session, principal, "place.create", "place", view.id, {"key": view.cells["key"]}
            )

    try:
        await run_in_threadpool(run)
    except PlaceInvalid as error:
        return await _list_page(
            request, principal, db, cells=cells, errors=_field_errors(error), status_code=422
        )
    except PlaceExists:
        errors = {"key": ["Diesen Schlüssel gibt es schon."]}
        return await _list_page(request, principal, db, cells=cells, errors=errors, status_code=422)
    return RedirectResponse(f"/staff/admin/places/{cells['key']}?ok=created", status_code=303)


async def _edit_page(
    request: Request,
    principal: StaffPrincipal,
    key: str,
    cells: dict[str, str],
    *,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render_staff(
        request,
        principal,
        "staff/admin/place_edit.html",
        {
            "key": key,
            "cells": cells,
            "columns": COLUMNS,
            "textareas": TEXTAREAS,
            "errors": errors or {},
            "done": request.query_params.get("ok") if not errors else None,
        },
        status_code=status_code,
    )


@router.get("/{key}", response_class=HTMLResponse)
async def place_edit(key: str, request: Request, principal: Admin, db: DbDep) -> Response:
    def load() -> dict[str, str] | None:
        with db.read_session() as session:
            view = get_view(session, key)
            return None if view is None else view.cells

    cells = await run_in_threadpool(load)
    if cells is None:
        return render_staff(request, principal, "staff/not_found.html", status_code=404)
    return await _edit_page(request, principal, key, cells)


@router.post("/{key}", response_class=HTMLResponse)
async def place_save(key: str, request: Request, principal: Admin, db: DbDep) -> Response:
    """Save the edit form; every problem is shown next to its field."""
    cells = {**(await _form_cells(request)), "key": key}

    def run() -> None:
        with db.session() as session:
            view = update_place(session, key, cells)
            audit.record(session, principal, "place.update", "place", view.id, {"key": key})

    try:
        await run_in_threadpool(run)
    except PlaceNotFound:
        return render_staff(request, principal, "staff/not_found.html", status_code=404)
    except PlaceInvalid as error:
        return await _edit_page(
            request, principal, key, cells, errors=_field_errors(error), status_code=422
        )
    return RedirectResponse(f"/staff/admin/places/{key}?ok=saved", status_code=303)


@router.post("/{key}/delete", response_class=HTMLResponse)
async def place_delete(key: str, request: Request, principal: Admin, db: DbDep) -> Response:
    """Delete a place; refused while tickets still point to it."""

    def run() -> None:
        with db.session() as session:
            place_id = delete_place(session, key)
            audit.record(session, principal, "place.delete", "place", place_id, {"key": key})

    try:
        await run_in_threadpool(run)
    except PlaceNotFound:
        return render_staff(request, principal, "staff/not_found.html", status_code=404)
    except IntegrityError:
        return RedirectResponse(f"/staff/admin/places/{key}?ok=in_use", status_code=303)
    return RedirectResponse("/staff/admin/places?ok=deleted", status_code=303)
