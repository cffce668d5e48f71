"""Plugs features into the citizen's erasure and export (``helpdesk.privacy``).

Called by the app at start-up and by every CLI command that erases or exports, so that
no path forgets a feature's personal data.
"""

from __future__ import annotations

from helpdesk.knowledge.privacy import erase_unanswered
from helpdesk.privacy.erasure import register_eraser
from helpdesk.privacy.export import register_exporter
from helpdesk.tickets.privacy import erase_tickets, export_tickets


def register_privacy_hooks() -> None:
    """Register every feature's eraser and exporter (idempotent)."""
    register_eraser("tickets", erase_tickets)
    register_eraser("unanswered_questions", erase_unanswered)
    register_exporter("tickets", export_tickets)
