"""Login, logout, sessions and the rate limit through the real login form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from helpdesk.db import Database
from helpdesk.staff import passwords
from helpdesk.staff.models import AuditEntry, StaffSession, StaffUser
from helpdesk.staff.principal import Role
from tests.integration.staff.conftest import Clock
from tests.staff_support import create_staff, login

PASSWORD = "ein-langes-passwort"
INVALID = "Benutzername oder Passwort ist falsch."


def _post_login(client: TestClient, username: str, password: str, next_path: str = "") -> object:
    form = client.get("/staff/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token
    return client.post(
        "/staff/login",
        data={
            "username": username,
            "password": password,
            "login_token": token.group(1),
            "next": next_path,
        },
        follow_redirects=False,
    )


def _sessions(db: Database) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(StaffSession)) or 0


def test_login_sets_a_secure_httponly_strict_cookie_and_lands_on_the_role_home(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "orga", Role.ORGANISER, password=PASSWORD)
    response = _post_login(client, "orga", PASSWORD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    for part in ("diodo_staff=", "httponly", "samesite=strict", "secure", "path=/staff"):
        assert part in cookie
    home = client.get("/staff/", follow_redirects=False)
    assert home.headers["location"] == "/staff/dashboard"
    page = client.get("/staff/dashboard")
    assert page.status_code == 200
    assert "<h1>Übersicht: Lücken</h1>" in page.text  # the organisers' dashboard


def test_helpers_land_on_the_ticket_queue(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    assert client.get("/staff/", follow_redirects=False).headers["location"] == "/staff/tickets"


def test_session_cookie_is_not_sent_over_plain_http(client: TestClient, db: Database) -> None:
    """Why the test client uses https: a Secure cookie stays away from http URLs."""
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    assert client.get("/staff/api/me").status_code == 200
    assert client.get("http://testserver/staff/api/me").status_code == 401


def test_database_stores_only_a_hash_of_the_session_id(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    cookie = client.cookies.get("diodo_staff")
    assert cookie
    with db.read_session() as session:
        stored = session.scalars(select(StaffSession.id_hash)).all()
    assert len(stored) == 1 and stored[0] != cookie and cookie not in stored[0]


def test_wrong_password_and_unknown_user_get_the_same_german_answer(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    wrong = _post_login(client, "helga", "falsches-passwort")
    unknown = _post_login(client, "niemand", "falsches-passwort")
    for response in (wrong, unknown):
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert INVALID in response.text  # type: ignore[attr-defined]
        assert "diodo_staff=" not in response.headers.get("set-cookie", "")  # type: ignore[attr-defined]
    assert _sessions(db) == 0


def test_login_without_the_form_token_is_refused(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    response = client.post(
        "/staff/login",
        data={"username": "helga", "password": PASSWORD, "login_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _sessions(db) == 0


def test_next_path_is_followed_only_inside_the_staff_area(client: TestClient, db: Database) -> None:
    create_staff(db, "orga", Role.ORGANISER, password=PASSWORD)
    inside = _post_login(client, "orga", PASSWORD, "/staff/dashboard")
    assert inside.headers["location"] == "/staff/dashboard"  # type: ignore[attr-defined]
    for evil in ("https://evil.example/", "//evil.example/staff", "/staff\\..\\x"):
        outside = _post_login(client, "orga", PASSWORD, evil)
        assert outside.headers["location"] == "/staff/"  # type: ignore[attr-defined]


def test_anonymous_page_request_redirects_to_login_with_next(client: TestClient) -> None:
    response = client.get("/staff/dashboard?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff/dashboard%3Fx%3D1"


def test_rate_limit_per_account_and_address_answers_429_in_german_even_with_the_right_password(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    for _ in range(5):
        assert _post_login(client, "helga", "falsch-falsch-falsch").status_code == 401  # type: ignore[attr-defined]
    blocked = _post_login(client, "helga", PASSWORD)
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert "Zu viele Versuche" in blocked.text  # type: ignore[attr-defined]
    assert _sessions(db) == 0


def test_rate_limit_ends_after_the_window(client: TestClient, db: Database, clock: Clock) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    for _ in range(5):
        _post_login(client, "helga", "falsch-falsch-falsch")
    assert _post_login(client, "helga", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    clock.now += timedelta(minutes=16)
    assert _post_login(client, "helga", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_logout_deletes_the_server_session(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    csrf = login(client, "helga", PASSWORD)
    cookie = client.cookies.get("diodo_staff")
    response = client.post("/staff/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?abgemeldet=1"
    assert _sessions(db) == 0
    client.cookies.set("diodo_staff", cookie or "", path="/staff")  # a copied cookie is dead
    assert client.get("/staff/api/me").status_code == 401


def test_login_issues_a_new_session_id_and_drops_the_old_one(
    client: TestClient, db: Database
) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    first = client.cookies.get("diodo_staff")
    login(client, "helga", PASSWORD)
    second = client.cookies.get("diodo_staff")
    assert first and second and first != second
    assert _sessions(db) == 1


def test_idle_timeout_ends_the_session(client: TestClient, db: Database, clock: Clock) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    clock.now += timedelta(minutes=29)
    assert client.get("/staff/api/me").status_code == 200  # activity resets the idle timer
    clock.now += timedelta(minutes=29)
    assert client.get("/staff/api/me").status_code == 200
    clock.now += timedelta(minutes=31)
    assert client.get("/staff/api/me").status_code == 401


def test_absolute_timeout_ends_even_an_active_session(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    for _ in range(28):  # active every 25 minutes: 11 h 40 min after login
        clock.now += timedelta(minutes=25)
        assert client.get("/staff/api/me").status_code == 200
    clock.now += timedelta(minutes=25)  # 12 h 05 min after login, idle only 25 min
    assert client.get("/staff/api/me").status_code == 401


def test_deactivated_account_loses_its_session(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    login(client, "helga", PASSWORD)
    with db.session() as session:
        session.execute(update(StaffUser).values(active=False))
    assert client.get("/staff/api/me").status_code == 401
    assert _post_login(client, "helga", PASSWORD).status_code == 401  # type: ignore[attr-defined]


def test_login_renews_a_hash_made_with_old_parameters(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_hasher", passwords.COSTS["standard"])
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with db.session() as session:
        session.execute(update(StaffUser).values(password_hash=old))
    login(client, "helga", PASSWORD)
    with db.read_session() as session:
        renewed = session.scalar(select(StaffUser.password_hash))
    assert renewed and renewed != old and "m=65536" in renewed


def test_login_and_failures_are_audited_without_usernames_or_passwords(
    client: TestClient, db: Database
) -> None:
    helper, _ = create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    _post_login(client, "helga", "falsch-falsch-falsch")
    csrf = login(client, "helga", PASSWORD)
    client.post("/staff/logout", data={"csrf_token": csrf})
    with db.read_session() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.staff_id, AuditEntry.detail).order_by(
                AuditEntry.id
            )
        ).all()
    assert [(action, staff) for action, staff, _ in rows] == [
        ("staff.login_failed", None),
        ("staff.login", helper.id),
        ("staff.logout", helper.id),
    ]
    assert all("helga" not in str(detail) and PASSWORD not in str(detail) for *_, detail in rows)
