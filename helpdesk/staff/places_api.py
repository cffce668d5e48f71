"""JSON API for the place registry: reads for ticket roles, writes for admins."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/staff/api/places", tags=["staff"])
