"""Admin pages: staff accounts, audit log (role admin)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/staff/admin", tags=["staff"], include_in_schema=False)
