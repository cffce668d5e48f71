"""Plugs features into the citizen's erasure and export (``helpdesk.privacy``).

Called by the app at start-up and by every CLI command that erases or exports, so that
no path forgets a feature's personal data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from helpdesk.knowledge.privacy import erase_unanswered
from helpdesk.privacy.crypto import Keyring
from helpdesk.privacy.erasure import register_eraser
from helpdesk.privacy.export import register_exporter
from helpdesk.tickets.privacy import erase_tickets, export_tickets


def register_privacy_hooks(keys: Keyring) -> None:
    """Register every feature's eraser and exporter (idempotent)."""
    register_eraser("tickets", erase_tickets)
    register_eraser("unanswered_questions", erase_unanswered)

    def tickets(session: Session, conversation_id: int) -> Any:
        return export_tickets(session, conversation_id, keys)

    register_exporter("tickets", tickets)
