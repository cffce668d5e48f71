"""Login, logout and sessions through the real login form (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from helpdesk.db import Database
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff


def test_login_sets_a_secure_httponly_strict_cookie_and_lands_on_the_role_home(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "orga", Role.ORGANISER, password="ein-langes-passwort")
    form = client.get("/staff/login")
    token = form.text.split('name="login_token" value="')[1].split('"')[0]
    response = client.post(
        "/staff/login",
        data={"username": "orga", "password": "ein-langes-passwort", "login_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    for part in ("diodo_staff=", "httponly", "samesite=strict", "secure", "path=/staff"):
        assert part in cookie
    home = client.get("/staff/", follow_redirects=False)
    assert home.headers["location"] == "/staff/dashboard"
    page = client.get("/staff/dashboard")
    assert page.status_code == 200
    assert "Übersicht kommt bald" in page.text
