"""The accessibility statement (Erklärung zur Barrierefreiheit, BITV NRW) at /barrierefreiheit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from helpdesk.deps import SettingsDep
from helpdesk.texts import or_placeholder

ACCESSIBILITY_PATH = "/barrierefreiheit"

router = APIRouter(tags=["accessibility"])


@router.get(ACCESSIBILITY_PATH, response_class=HTMLResponse, include_in_schema=False)
def accessibility_statement(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The statement, filled from settings (a placeholder where one is unset); the city
    edits the known limitations in the template (see docs/accessibility.md)."""
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "barrierefreiheit.html",
        {
            "controller_name": settings.controller_name,
            "contact": or_placeholder(settings.accessibility_contact),
            "statement_date": or_placeholder(settings.accessibility_statement_date),
            "review_date": or_placeholder(settings.accessibility_review_date),
            "public_url": settings.public_url.rstrip("/"),
        },
    )
