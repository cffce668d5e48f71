"""Every signed-in person can change their own password."""

from __future__ import annotations

from fastapi.testclient import TestClient

from helpdesk.db import Database
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff, login

OLD = "altes-passwort-1"
NEW = "neues-passwort-2"


def test_change_needs_the_current_password_and_ends_other_sessions(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "helga", Role.HELPER, password=OLD)
    other_device = TestClient(client.app, base_url="https://testserver")
    login(other_device, "helga", OLD)
    csrf = login(client, "helga", OLD)
    form = {"csrf_token": csrf, "password": NEW, "password2": NEW}
    wrong = client.post("/staff/password", data={**form, "current": "falsch-falsch"})
    assert wrong.status_code == 422 and "Das bisherige Passwort stimmt nicht." in wrong.text
    changed = client.post("/staff/password", data={**form, "current": OLD}, follow_redirects=False)
    assert changed.status_code == 303 and "diodo_staff=" in changed.headers["set-cookie"]
    assert client.get("/staff/password?ok=1").status_code == 200  # the fresh session works
    assert other_device.get("/staff/api/me").status_code == 401
    login(other_device, "helga", NEW)


def test_guessing_the_current_password_is_rate_limited(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=OLD)
    csrf = login(client, "helga", OLD)
    form = {"csrf_token": csrf, "password": NEW, "password2": NEW}
    for _ in range(5):
        client.post("/staff/password", data={**form, "current": "falsch-falsch"})
    blocked = client.post("/staff/password", data={**form, "current": OLD})
    assert blocked.status_code == 429 and "Zu viele Versuche" in blocked.text
