"""Admin pages (role admin): staff accounts, the audit log viewer, places."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from helpdesk.db import Database
from helpdesk.deps import DbDep, OptionalRowIdQuery, RowId
from helpdesk.places.models import Place
from helpdesk.staff import accounts, audit, two_factor
from helpdesk.staff.deps import render_staff, require_roles
from helpdesk.staff.messages import error_text
from helpdesk.staff.passwords import PasswordRuleError
from helpdesk.staff.principal import Role, StaffPrincipal
from helpdesk.texts import text

router = APIRouter(
    prefix="/staff/admin",
    tags=["staff"],
    include_in_schema=False,
    dependencies=[Depends(require_roles(Role.ADMIN))],
)
Admin = Annotated[StaffPrincipal, Depends(require_roles(Role.ADMIN))]
PAGE_SIZE = 200


def _place_choices(db: Database) -> list[tuple[int, str, str]]:
    with db.read_session() as session:
        rows = session.execute(
            select(Place.id, Place.name, Place.stadtbezirk).order_by(Place.stadtbezirk, Place.name)
        )
        return [(pid, name, bezirk) for pid, name, bezirk in rows]


def _accounts(db: Database) -> list[accounts.StaffAccount]:
    with db.read_session() as session:
        return accounts.list_accounts(session)


@router.get("")
async def admin_home(_principal: Admin) -> Response:
    return RedirectResponse("/staff/admin/staff", status_code=303)


@router.get("/staff", response_class=HTMLResponse)
async def staff_list(request: Request, principal: Admin, db: DbDep) -> Response:
    """Every account and the form to create one."""
    return await _staff_list_page(request, principal, db)


async def _staff_list_page(
    request: Request,
    principal: StaffPrincipal,
    db: Database,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows = await run_in_threadpool(_accounts, db)
    places = await run_in_threadpool(_place_choices, db)
    return render_staff(
        request,
        principal,
        "staff/admin/staff_list.html",
        {
            "accounts": rows,
            "places": places,
            "place_names": {pid: name for pid, name, _ in places},
            "roles": list(Role),
            "error": error,
            "form": form or {},
            "done": request.query_params.get("ok"),
        },
        status_code=status_code,
    )


@router.post("/staff", response_class=HTMLResponse)
async def staff_create(
    request: Request,
    principal: Admin,
    db: DbDep,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
    display_name: Annotated[str, Form(max_length=120)] = "",
    place_ids: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """Create an account; a helper gets the chosen places."""
    form = {
        "username": username,
        "display_name": display_name,
        "role": role.value,
        "place_ids": place_ids,
    }
    if password != password2:
        return await _staff_list_page(
            request,
            principal,
            db,
            error=text("staff_password_mismatch"),
            form=form,
            status_code=422,
        )

    def run() -> int:
        with db.session() as session:
            created = accounts.create_account(
                session,
                username,
                password,
                role,
                display_name=display_name,
                place_ids=place_ids,
            )
            audit.record(
                session,
                principal,
                "staff.create",
                "staff_user",
                created.id,
                {"role": role.value, "place_ids": sorted(place_ids)},
            )
            return created.id

    try:
        await run_in_threadpool(run)
    except (PasswordRuleError, accounts.AccountError) as error:
        return await _staff_list_page(
            request, principal, db, error=error_text(error.code), form=form, status_code=422
        )
    return RedirectResponse("/staff/admin/staff?ok=created", status_code=303)


@router.get("/staff/{staff_id}", response_class=HTMLResponse)
async def staff_detail(staff_id: RowId, request: Request, principal: Admin, db: DbDep) -> Response:
    return await _detail_page(request, principal, db, staff_id)


async def _detail_page(
    request: Request,
    principal: StaffPrincipal,
    db: Database,
    staff_id: RowId,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    def load() -> accounts.StaffAccount | None:
        with db.read_session() as session:
            return accounts.get_account(session, staff_id)

    account = await run_in_threadpool(load)
    if account is None:
        return render_staff(request, principal, "staff/not_found.html", status_code=404)
    return render_staff(
        request,
        principal,
        "staff/admin/staff_detail.html",
        {
            "account": account,
            "places": await run_in_threadpool(_place_choices, db),
            "roles": list(Role),
            "error": error,
            "done": request.query_params.get("ok"),
        },
        status_code=status_code,
    )


async def _change(
    request: Request,
    principal: StaffPrincipal,
    db: Database,
    staff_id: RowId,
    action: str,
    change: Any,
    detail: dict[str, Any],
) -> Response:
    def run() -> None:
        with db.session() as session:
            change(session)
            audit.record(session, principal, action, "staff_user", staff_id, detail)

    try:
        await run_in_threadpool(run)
    except (PasswordRuleError, accounts.AccountError) as error:
        return await _detail_page(
            request, principal, db, staff_id, error=error_text(error.code), status_code=422
        )
    done = action.removeprefix("staff.")
    return RedirectResponse(f"/staff/admin/staff/{staff_id}?ok={done}", status_code=303)


@router.post("/staff/{staff_id}/role")
async def staff_role(
    staff_id: RowId, request: Request, principal: Admin, db: DbDep, role: Annotated[Role, Form()]
) -> Response:
    return await _change(
        request,
        principal,
        db,
        staff_id,
        "staff.set_role",
        lambda s: accounts.set_role(s, staff_id, role),
        {"role": role.value},
    )


@router.post("/staff/{staff_id}/places")
async def staff_places(
    staff_id: RowId,
    request: Request,
    principal: Admin,
    db: DbDep,
    place_ids: Annotated[list[int], Form()] = [],  # noqa: B006
) -> Response:
    return await _change(
        request,
        principal,
        db,
        staff_id,
        "staff.set_places",
        lambda s: accounts.set_places(s, staff_id, place_ids),
        {"place_ids": sorted(place_ids)},
    )


@router.post("/staff/{staff_id}/email")
async def staff_email(
    staff_id: RowId,
    request: Request,
    principal: Admin,
    db: DbDep,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """The address for ticket notifications (the audit log says only whether one is set)."""
    return await _change(
        request,
        principal,
        db,
        staff_id,
        "staff.set_email",
        lambda s: accounts.set_email(s, staff_id, email),
        {"has_address": bool(email.strip())},
    )


@router.post("/staff/{staff_id}/active")
async def staff_active(
    staff_id: RowId,
    request: Request,
    principal: Admin,
    db: DbDep,
    active: Annotated[bool, Form()],
) -> Response:
    return await _change(
        request,
        principal,
        db,
        staff_id,
        "staff.activate" if active else "staff.deactivate",
        lambda s: accounts.set_active(s, staff_id, active),
        {},
    )


@router.post("/staff/{staff_id}/password")
async def staff_password(
    staff_id: RowId,
    request: Request,
    principal: Admin,
    db: DbDep,
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
) -> Response:
    if password != password2:
        return await _detail_page(
            request,
            principal,
            db,
            staff_id,
            error=text("staff_password_mismatch"),
            status_code=422,
        )
    return await _change(
        request,
        principal,
        db,
        staff_id,
        "staff.set_password",
        lambda s: accounts.set_password(s, staff_id, password),
        {},
    )


@router.post("/staff/{staff_id}/totp-reset")
async def staff_totp_reset(
    staff_id: RowId, request: Request, principal: Admin, db: DbDep
) -> Response:
    """Switch two-factor sign-in off for someone who lost their app (audited)."""
    return await _change(
        request,
        principal,
        db,
        staff_id,
        "staff.totp_reset",
        lambda s: two_factor.reset(s, staff_id),
        {},
    )


def _day(value: str, *, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    start = datetime.combine(day, time(), tzinfo=UTC)
    if not end:
        return start
    try:
        return start + timedelta(days=1)
    except OverflowError:  # "bis 31.12.9999": no upper bound (was a 500: form fuzzer)
        return None


@router.get("/audit", response_class=HTMLResponse)
async def audit_log(
    request: Request,
    principal: Admin,
    db: DbDep,
    username: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: str = "",
    until: str = "",
    before: OptionalRowIdQuery = None,
) -> Response:
    """The audit log, newest first, with filters."""
    query = audit.AuditFilter(
        username=username or None,
        action=action or None,
        object_type=object_type or None,
        object_id=object_id or None,
        since=_day(since) if since else None,
        until=_day(until, end=True) if until else None,
    )

    def run() -> list[audit.AuditRow]:
        with db.read_session() as session:
            return audit.list_entries(session, query, limit=PAGE_SIZE, before_id=before)

    rows = await run_in_threadpool(run)
    filters = {
        "username": username,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "since": since,
        "until": until,
    }
    return render_staff(
        request,
        principal,
        "staff/admin/audit.html",
        {
            "rows": rows,
            "filters": filters,
            "next_before": rows[-1].id if len(rows) == PAGE_SIZE else None,
        },
    )
