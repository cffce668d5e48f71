"""The notification address of a staff account: set by an admin or by the person."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from helpdesk.db import Database
from helpdesk.staff.models import AuditEntry, StaffUser
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff, login


def _email(db: Database, staff_id: int) -> str | None:
    with db.read_session() as session:
        return session.scalar(select(StaffUser.email).where(StaffUser.id == staff_id))


def test_admin_sets_and_removes_a_notification_address(client: TestClient, db: Database) -> None:
    helper, _ = create_staff(db, "helga", Role.HELPER)
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    url = f"/staff/admin/staff/{helper.id}/email"

    saved = client.post(url, data={"csrf_token": csrf, "email": " helga@stadt.test "})
    assert saved.status_code == 200 and "Die E-Mail-Adresse ist gespeichert." in saved.text
    assert 'value="helga@stadt.test"' in saved.text
    assert _email(db, helper.id) == "helga@stadt.test"
    bad = client.post(url, data={"csrf_token": csrf, "email": "keine adresse"})
    assert bad.status_code == 422 and "keine gültige E-Mail-Adresse" in bad.text
    client.post(url, data={"csrf_token": csrf, "email": ""})
    assert _email(db, helper.id) is None
    with db.read_session() as session:
        details = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "staff.set_email")
        ).all()
    assert details == [{"has_address": True}, {"has_address": False}]


def test_everyone_sets_their_own_address_on_my_account(client: TestClient, db: Database) -> None:
    helper, password = create_staff(db, "helga", Role.HELPER)
    csrf = login(client, "helga", password)

    saved = client.post("/staff/account/email", data={"csrf_token": csrf, "email": "h@stadt.test"})
    assert saved.status_code == 200 and "Die E-Mail-Adresse ist gespeichert." in saved.text
    assert _email(db, helper.id) == "h@stadt.test"
    bad = client.post("/staff/account/email", data={"csrf_token": csrf, "email": "a@b"})
    assert bad.status_code == 422 and "keine gültige E-Mail-Adresse" in bad.text
    assert _email(db, helper.id) == "h@stadt.test"
