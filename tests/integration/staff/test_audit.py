"""The audit log keeps ids and states, never personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.db import Database, utcnow
from helpdesk.staff import audit
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff


@pytest.mark.parametrize("key", ["text", "phone", "chat_id", "Email", "transcript"])
def test_personal_data_keys_are_refused(db: Database, key: str) -> None:
    with pytest.raises(ValueError, match="personal data"), db.session() as session:
        audit.record(session, None, "ticket.view", "ticket", 1, {key: "x"})


def test_entries_are_listed_newest_first_and_filtered(db: Database) -> None:
    helper, _ = create_staff(db, "helga", Role.HELPER, password="ein-langes-passwort")
    now = utcnow()
    with db.session() as session:
        audit.record(session, helper, "ticket.view", "ticket", 7, at=now - timedelta(days=2))
        audit.record(session, helper, "ticket.reply", "ticket", 7, {"state": "open"}, at=now)
        audit.record(session, None, "staff.login_failed", "staff_user", None, at=now)
    with db.read_session() as session:
        everything = audit.list_entries(session, audit.AuditFilter())
        tickets = audit.list_entries(
            session, audit.AuditFilter(action="ticket.", object_id="7", username="HELGA")
        )
        recent = audit.list_entries(
            session, audit.AuditFilter(object_type="ticket", since=now - timedelta(days=1))
        )
    assert [row.action for row in everything] == [
        "staff.login_failed",
        "ticket.reply",
        "ticket.view",
    ]
    assert [row.action for row in tickets] == ["ticket.reply", "ticket.view"]
    assert [(row.action, row.username, row.detail) for row in recent] == [
        ("ticket.reply", "helga", {"state": "open"})
    ]
