"""Plugs features into the citizen's erasure, export, retention and key rotation
(``helpdesk.privacy``).

Called by the app at start-up and by every CLI command that erases or exports, so that
no path forgets a feature's personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.knowledge.privacy import erase_unanswered
from helpdesk.privacy.cli import register_rotator
from helpdesk.privacy.crypto import Keyring
from helpdesk.privacy.erasure import register_eraser
from helpdesk.privacy.export import register_exporter
from helpdesk.privacy.retention import register_retainer
from helpdesk.staff.two_factor import rotate_totp_secrets
from helpdesk.tickets.privacy import (
    erase_tickets,
    expire_tickets,
    export_tickets,
    rotate_ticket_keys,
)


def register_privacy_hooks(keys: Keyring, *, closed_ticket_days: int = 30) -> None:
    """Register every feature's eraser, exporter and retention step (idempotent)."""
    register_eraser("tickets", erase_tickets)
    register_rotator("tickets", rotate_ticket_keys)
    register_rotator("staff_totp", rotate_totp_secrets)

    def ticket_retention(session: Session, cutoff: datetime, now: datetime) -> int:
        return expire_tickets(session, cutoff, now, closed_days=closed_ticket_days)

    register_retainer("tickets", ticket_retention)
    register_eraser("unanswered_questions", erase_unanswered)

    def tickets(session: Session, conversation_id: int) -> Any:
        return export_tickets(session, conversation_id, keys)

    register_exporter("tickets", tickets)
