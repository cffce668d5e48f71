"""The full privacy text (Art. 13 DSGVO) at ``/datenschutz``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from helpdesk.deps import SettingsDep
from helpdesk.privacy.notice import PRIVACY_PATH, full_notice_context

router = APIRouter(tags=["privacy"])


@router.get(PRIVACY_PATH, response_class=HTMLResponse)
def privacy_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The Datenschutzerklärung, filled from settings (German, accessible HTML)."""
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "datenschutz.html", full_notice_context(settings)
    )
