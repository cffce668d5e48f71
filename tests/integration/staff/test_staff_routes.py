"""Every route under /staff refuses anonymous requests and unsafe requests without CSRF.

The routes are discovered from the app, so a route added later is checked too; the last
test shows that an unprotected route is caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from helpdesk.db import Database
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff, login

# The login steps: protected by the login form's double-submit token instead.
PUBLIC = {("GET", "/staff/login"), ("POST", "/staff/login"), ("POST", "/staff/login/code")}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PARAM = re.compile(r"\{[^}]+\}")


def staff_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, concrete path) of every staff route except the login form."""
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith("/staff"):
            continue
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, path) not in PUBLIC:
                yield method, PARAM.sub("1", path)


def anonymous_problems(app: FastAPI, client: TestClient) -> list[str]:
    problems = []
    for method, path in staff_routes(app):
        page = client.request(method, path, headers={"accept": "text/html"}, follow_redirects=False)
        api = client.request(
            method, path, headers={"accept": "application/json"}, follow_redirects=False
        )
        page_ok = page.status_code == 401 or (
            page.status_code == 303 and page.headers["location"].startswith("/staff/login?next=")
        )
        if not page_ok or api.status_code != 401:
            problems.append(f"{method} {path}: {page.status_code}/{api.status_code}")
    return problems


def csrf_problems(app: FastAPI, client: TestClient, csrf: str) -> list[str]:
    problems = []
    for method, path in staff_routes(app):
        if method not in UNSAFE or path == "/staff/logout":
            continue
        for headers in ({}, {"X-CSRF-Token": "wrong-" + csrf}):
            response = client.request(
                method,
                path,
                headers={"accept": "application/json", **headers},
                follow_redirects=False,
            )
            if response.status_code != 403 or response.json().get("reason") != "csrf":
                problems.append(f"{method} {path} {headers}: {response.status_code}")
    return problems


def test_every_staff_route_refuses_anonymous_requests(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    routes = set(staff_routes(app))
    assert ("POST", "/staff/logout") in routes and ("POST", "/staff/admin/staff") in routes
    assert ("DELETE", "/staff/api/places/1") in routes
    assert anonymous_problems(app, client) == []


def test_every_unsafe_staff_route_refuses_a_missing_or_wrong_csrf_token(
    client: TestClient, db: Database
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    _, password = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", password)
    assert csrf_problems(app, client, csrf) == []
    # logout last: it must refuse too, and then still be signed in
    refused = client.post("/staff/logout", headers={"accept": "application/json"})
    assert refused.status_code == 403
    assert client.get("/staff/api/me").status_code == 200


def test_an_unprotected_staff_route_is_caught(client: TestClient, db: Database) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    @app.post("/staff/forgotten/{item_id}")
    async def forgotten(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    assert anonymous_problems(app, client) == ["POST /staff/forgotten/1: 200/200"]
    _, password = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", password)
    assert csrf_problems(app, client, csrf) == [
        "POST /staff/forgotten/1 {}: 200",
        f"POST /staff/forgotten/1 {{'X-CSRF-Token': 'wrong-{csrf}'}}: 200",
    ]
