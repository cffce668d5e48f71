"""CSRF tokens and role checks on real staff routes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from helpdesk.db import Database
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff, login


def test_form_post_with_the_session_token_passes_and_without_it_is_refused(
    client: TestClient, db: Database
) -> None:
    _, password = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", password)
    good = "Tisch Regen Gabel Mond"
    form = {"username": "neu", "role": "helper", "password": good, "password2": good}
    refused = client.post("/staff/admin/staff", data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert "Bitte laden Sie die Seite neu" in refused.text
    wrong = client.post(
        "/staff/admin/staff", data={**form, "csrf_token": csrf[:-1]}, follow_redirects=False
    )
    assert wrong.status_code == 403
    accepted = client.post(
        "/staff/admin/staff", data={**form, "csrf_token": csrf}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_csrf_token_is_bound_to_the_session(client: TestClient, db: Database) -> None:
    _, password = create_staff(db, "root", Role.ADMIN)
    old = login(client, "root", password)
    new = login(client, "root", password)
    assert old != new
    assert client.post("/staff/logout", data={"csrf_token": old}).status_code == 403


def test_json_api_takes_the_token_from_the_header(client: TestClient, db: Database) -> None:
    _, password = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", password)
    response = client.delete("/staff/api/places/gibt-es-nicht", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 404
    assert client.delete("/staff/api/places/gibt-es-nicht").status_code == 403


def test_helper_gets_a_german_403_page_on_admin_pages(client: TestClient, db: Database) -> None:
    _, password = create_staff(db, "helga", Role.HELPER)
    login(client, "helga", password)
    page = client.get("/staff/admin/staff")
    assert page.status_code == 403
    assert "Für diese Seite fehlt Ihnen die Berechtigung" in page.text
    assert '<html lang="de">' in page.text
    assert client.get("/staff/admin/audit", headers={"accept": "application/json"}).json() == {
        "detail": "Kein Zugriff.",
        "reason": "role",
    }


def test_an_unreadable_form_gets_a_german_422_page_and_json_clients_json(
    client: TestClient, db: Database
) -> None:
    """A choice that does not exist, or a missing field, was FastAPI's English JSON."""
    root, password = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", password)
    for form in ({"role": "chef"}, {}):
        page = client.post(f"/staff/admin/staff/{root.id}/role", data={**form, "csrf_token": csrf})
        assert page.status_code == 422
        assert "Eingabe ungültig" in page.text and '<html lang="de">' in page.text
    assert client.get("/staff/tickets", params={"state": "x" * 40}).status_code == 422
    api = client.post(
        f"/staff/admin/staff/{root.id}/role",
        data={"role": "chef", "csrf_token": csrf},
        headers={"accept": "application/json"},
    )
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["body", "role"]
    legacy = client.get(f"/api/webchat/sessions/{'a' * 24}/replies", params={"after": -1})
    assert legacy.status_code == 422 and legacy.json()["detail"][0]["loc"] == ["query", "after"]


def test_roles_reach_exactly_their_pages(client: TestClient, db: Database) -> None:
    expected = {
        Role.HELPER: {"/staff/dashboard": 403, "/staff/admin/staff": 403, "/staff/api/places": 200},
        Role.COORDINATOR: {
            "/staff/dashboard": 200,
            "/staff/admin/staff": 403,
            "/staff/api/places": 200,
        },
        Role.ORGANISER: {
            "/staff/dashboard": 200,
            "/staff/admin/staff": 403,
            "/staff/api/places": 403,
        },
        Role.ADMIN: {"/staff/dashboard": 200, "/staff/admin/staff": 200, "/staff/api/places": 200},
    }
    for role, pages in expected.items():
        _, password = create_staff(db, f"user-{role.value}", role)
        login(client, f"user-{role.value}", password)
        got = {path: client.get(path).status_code for path in pages}
        assert got == pages, role


def test_navigation_shows_admin_links_to_admins_only(client: TestClient, db: Database) -> None:
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    _, orga_pw = create_staff(db, "orga", Role.ORGANISER)
    login(client, "root", admin_pw)
    admin_page = client.get("/staff/dashboard").text
    login(client, "orga", orga_pw)
    orga_page = client.get("/staff/dashboard").text
    assert 'href="/staff/admin/staff"' in admin_page
    assert 'href="/staff/admin/staff"' not in orga_page
    assert 'href="/staff/tickets"' not in orga_page
    assert '<meta name="csrf-token" content="' in orga_page


def test_staff_pages_cannot_be_framed_and_run_no_inline_script(client: TestClient) -> None:
    page = client.get("/staff/login")
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
