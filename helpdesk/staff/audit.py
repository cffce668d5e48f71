"""The audit log: who viewed or changed which object. Never personal data in ``detail``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.db import utcnow
from helpdesk.staff.models import AuditEntry, StaffUser
from helpdesk.staff.principal import StaffPrincipal

# Keys that must never reach the audit log: it outlives erasure requests.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "text",
        "body",
        "message",
        "phone",
        "phone_number",
        "chat_id",
        "email",
        "password",
        "address",
        "transcript",
        "contact",
    }
)


def record(
    session: Session,
    principal: StaffPrincipal | None,
    action: str,
    object_type: str,
    object_id: str | int | None,
    detail: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Add one audit entry in the caller's transaction.

    Args:
        principal: who did it (None: the system, or an anonymous login attempt).
        action: a short verb like ``ticket.view`` or ``staff.create``.
        object_type: ``ticket``, ``staff_user``, ``place``, ...
        object_id: the object's id (never a phone number or chat id).
        detail: ids, states and flags only; keys like ``text`` or ``phone`` are refused.
    """
    detail = dict(detail or {})
    forbidden = FORBIDDEN_DETAIL_KEYS.intersection(key.lower() for key in detail)
    if forbidden:
        raise ValueError(f"personal data keys in audit detail: {sorted(forbidden)}")
    session.add(
        AuditEntry(
            at=at or utcnow(),
            staff_id=principal.id if principal is not None else None,
            action=action[:64],
            object_type=object_type[:32],
            object_id=None if object_id is None else str(object_id)[:64],
            detail=detail,
        )
    )


@dataclass(frozen=True)
class AuditRow:
    """One entry for the viewer."""

    id: int
    at: datetime
    username: str | None
    action: str
    object_type: str
    object_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit log viewer (all optional)."""

    username: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session, query: AuditFilter, *, limit: int = 200, before_id: int | None = None
) -> list[AuditRow]:
    """Newest first, at most ``limit``; ``before_id`` pages further back."""
    stmt = (
        select(AuditEntry, StaffUser.username)
        .outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if query.username:
        stmt = stmt.where(StaffUser.username == query.username.strip().lower())
    if query.action:
        stmt = stmt.where(AuditEntry.action.startswith(query.action.strip(), autoescape=True))
    if query.object_type:
        stmt = stmt.where(AuditEntry.object_type == query.object_type.strip())
    if query.object_id:
        stmt = stmt.where(AuditEntry.object_id == query.object_id.strip())
    if query.since:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEntry.at < query.until)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return [
        AuditRow(
            id=entry.id,
            at=entry.at,
            username=username,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            detail=entry.detail,
        )
        for entry, username in session.execute(stmt)
    ]
