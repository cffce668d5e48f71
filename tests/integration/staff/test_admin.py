"""Admin pages: accounts, places membership, audit log; places JSON API (admin writes)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from helpdesk.db import Database
from helpdesk.places.models import Place
from helpdesk.places.service import get_place, seed_example_places
from helpdesk.staff.models import AuditEntry
from helpdesk.staff.principal import Role
from tests.staff_support import create_staff, login

PASSWORD = "ein-langes-passwort"


def _place_ids(db: Database, count: int) -> list[int]:
    with db.session() as session:
        seed_example_places(session)
    with db.read_session() as session:
        return list(session.scalars(select(Place.id).order_by(Place.id).limit(count)))


def _audit(db: Database) -> list[tuple[str, str, str | None, dict[str, object]]]:
    with db.read_session() as session:
        rows = session.execute(
            select(
                AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.detail
            ).order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_admin_creates_a_helper_with_places_who_can_then_sign_in(
    client: TestClient, db: Database
) -> None:
    place_a, place_b = _place_ids(db, 2)
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    created = client.post(
        "/staff/admin/staff",
        data={
            "csrf_token": csrf,
            "username": "Helga.Hilfe",
            "display_name": "Helga Hilfe",
            "role": "helper",
            "password": PASSWORD,
            "password2": PASSWORD,
            "place_ids": [str(place_a), str(place_b)],
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    listing = client.get("/staff/admin/staff?ok=created")
    assert "helga.hilfe" in listing.text and "Das Konto ist angelegt." in listing.text
    login(client, "helga.hilfe", PASSWORD)
    me = client.get("/staff/api/me").json()
    assert me["role"] == "helper" and me["place_ids"] == sorted([place_a, place_b])
    action, kind, object_id, detail = _audit(db)[1]
    assert (action, kind, object_id) == ("staff.create", "staff_user", str(me["id"]))
    assert detail == {"role": "helper", "place_ids": sorted([place_a, place_b])}


def test_weak_password_and_duplicate_username_are_refused_in_german(
    client: TestClient, db: Database
) -> None:
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    base = {"csrf_token": csrf, "role": "helper", "username": "neu"}
    short = client.post(
        "/staff/admin/staff", data={**base, "password": "kurz", "password2": "kurz"}
    )
    assert short.status_code == 422 and "mindestens 12 Zeichen" in short.text
    same = client.post(
        "/staff/admin/staff",
        data={
            **base,
            "username": "neu.neu.neu1",
            "password": "Neu.Neu.Neu1",
            "password2": "Neu.Neu.Neu1",
        },
    )
    assert same.status_code == 422 and "nicht gleich dem Benutzernamen" in same.text
    taken = client.post(
        "/staff/admin/staff",
        data={**base, "username": "root", "password": PASSWORD, "password2": PASSWORD},
    )
    assert taken.status_code == 422 and "gibt es schon" in taken.text


def test_deactivating_ends_the_sessions_and_the_last_admin_stays(
    client: TestClient, db: Database
) -> None:
    root, admin_pw = create_staff(db, "root", Role.ADMIN)
    helper, helper_pw = create_staff(db, "helga", Role.HELPER)
    helper_client = TestClient(client.app, base_url="https://testserver")
    login(helper_client, "helga", helper_pw)
    csrf = login(client, "root", admin_pw)
    off = client.post(
        f"/staff/admin/staff/{helper.id}/active",
        data={"csrf_token": csrf, "active": "false"},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert helper_client.get("/staff/api/me").status_code == 401
    self_off = client.post(
        f"/staff/admin/staff/{root.id}/active", data={"csrf_token": csrf, "active": "false"}
    )
    assert self_off.status_code == 422 and "letzte aktive Admin-Konto" in self_off.text
    assert client.get("/staff/api/me").status_code == 200


def test_role_change_and_password_reset_end_the_sessions(client: TestClient, db: Database) -> None:
    helper, helper_pw = create_staff(db, "helga", Role.HELPER)
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    helper_client = TestClient(client.app, base_url="https://testserver")
    login(helper_client, "helga", helper_pw)
    csrf = login(client, "root", admin_pw)
    client.post(
        f"/staff/admin/staff/{helper.id}/role", data={"csrf_token": csrf, "role": "coordinator"}
    )
    assert helper_client.get("/staff/api/me").status_code == 401
    login(helper_client, "helga", helper_pw)
    assert helper_client.get("/staff/api/me").json()["role"] == "coordinator"
    reset = client.post(
        f"/staff/admin/staff/{helper.id}/password",
        data={"csrf_token": csrf, "password": PASSWORD, "password2": PASSWORD},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    assert helper_client.get("/staff/api/me").status_code == 401
    login(helper_client, "helga", PASSWORD)
    actions = [row[0] for row in _audit(db)]
    assert "staff.set_role" in actions and "staff.set_password" in actions


def test_membership_change_is_audited_and_unknown_places_refused(
    client: TestClient, db: Database
) -> None:
    (place_a,) = _place_ids(db, 1)
    helper, _ = create_staff(db, "helga", Role.HELPER)
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    saved = client.post(
        f"/staff/admin/staff/{helper.id}/places",
        data={"csrf_token": csrf, "place_ids": [str(place_a)]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    # Ids beyond the INTEGER column overflowed SQLite's binding: a 500 (found by fuzzing).
    for wrong in ("999999", "0", str(2**31), "99999999999999999999999999"):
        unknown = client.post(
            f"/staff/admin/staff/{helper.id}/places",
            data={"csrf_token": csrf, "place_ids": [wrong]},
        )
        assert unknown.status_code == 422, wrong
        assert "Einen der gewählten Orte gibt es nicht." in unknown.text
    created = client.post(
        "/staff/admin/staff",
        data={
            "csrf_token": csrf,
            "username": "neu",
            "role": "helper",
            "password": "ein-langes-Passwort-1",
            "password2": "ein-langes-Passwort-1",
            "place_ids": ["99999999999999999999999999"],
        },
    )
    assert created.status_code == 422
    assert ("staff.set_places", "staff_user", str(helper.id), {"place_ids": [place_a]}) in _audit(
        db
    )


def test_audit_viewer_filters_by_user_and_action(client: TestClient, db: Database) -> None:
    _, helper_pw = create_staff(db, "helga", Role.HELPER)
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    login(client, "helga", helper_pw)
    login(client, "root", admin_pw)
    page = client.get("/staff/admin/audit", params={"username": "helga", "action": "staff.login"})
    assert page.status_code == 200
    assert page.text.count("<td>staff.login</td>") == 1
    assert "<td>helga</td>" in page.text and "<td>root</td>" not in page.text
    # The day after 31.12.9999 does not exist: that was a 500 (form fuzzer).
    for until in ("9999-12-31", "0001-01-01", "2026-02-30", "²"):
        assert client.get("/staff/admin/audit", params={"until": until}).status_code == 200


def _place_body(key: str) -> dict[str, object]:
    return {
        "key": key,
        "name": "Testort Hörde",
        "operator_type": "bibliothek",
        "street": "Teststraße 1",
        "postcode": "44263",
        "stadtbezirk": "Hörde",
        "stufe": 2,
        "services": ["wlan", "courses"],
        "accessibility": "ja",
        "languages": ["de"],
        "opening_hours": "Mo-Fr 10:00-18:00",
        "is_example_data": False,
    }


def test_places_api_writes_are_admin_only_and_audited(client: TestClient, db: Database) -> None:
    _, coord_pw = create_staff(db, "koord", Role.COORDINATOR)
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "koord", coord_pw)
    headers = {"X-CSRF-Token": csrf}
    refused = client.post("/staff/api/places", json=_place_body("testort"), headers=headers)
    assert refused.status_code == 403
    csrf = login(client, "root", admin_pw)
    headers = {"X-CSRF-Token": csrf}
    created = client.post("/staff/api/places", json=_place_body("testort"), headers=headers)
    assert created.status_code == 201, created.text
    assert (
        created.json()["stadtbezirk"] == "Hörde" and created.json()["services"] == "wlan; courses"
    )
    again = client.post("/staff/api/places", json=_place_body("testort"), headers=headers)
    assert again.status_code == 409
    changed = client.put(
        "/staff/api/places/testort",
        json={**_place_body("ignored"), "name": "Neuer Name"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json()["key"] == "testort"
    with db.read_session() as session:
        stored = get_place(session, "testort")
    assert stored is not None and stored.name == "Neuer Name"
    login(client, "koord", coord_pw)
    assert client.get("/staff/api/places/testort").json()["name"] == "Neuer Name"
    csrf = login(client, "root", admin_pw)
    assert (
        client.delete("/staff/api/places/testort", headers={"X-CSRF-Token": csrf}).status_code
        == 204
    )
    assert client.get("/staff/api/places/testort").status_code == 404
    place_actions = [(a, d) for a, kind, _, d in _audit(db) if kind == "place"]
    assert place_actions == [
        ("place.create", {"key": "testort"}),
        ("place.update", {"key": "testort"}),
        ("place.delete", {"key": "testort"}),
    ]


def test_places_api_validates_like_the_csv_import(client: TestClient, db: Database) -> None:
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    bad = {**_place_body("kaputt"), "postcode": "12345", "stufe": 7, "colour": "blau"}
    response = client.post("/staff/api/places", json=bad, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "colour", "message": "unbekanntes Feld"}]
    del bad["colour"]
    response = client.post("/staff/api/places", json=bad, headers={"X-CSRF-Token": csrf})
    fields = {error["field"] for error in response.json()["errors"]}
    assert response.status_code == 422 and fields == {"postcode", "stufe"}
    with db.read_session() as session:
        assert get_place(session, "kaputt") is None
    # NUL and other control characters: PostgreSQL refuses NUL, so it was a 500 there.
    for name in ("Ort\x00", "Ort\x1b[31m"):
        response = client.post(
            "/staff/api/places",
            json={**_place_body("steuer"), "name": name},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "name", "message": "enthält ein Steuerzeichen (zum Beispiel NUL)"}
        ]


def test_place_edit_form_saves_and_shows_errors_at_the_field(
    client: TestClient, db: Database
) -> None:
    _place_ids(db, 1)
    with db.read_session() as session:
        key = session.scalars(select(Place.key).order_by(Place.key)).first()
    assert key
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    form_page = client.get(f"/staff/admin/places/{key}")
    assert form_page.status_code == 200
    cells = client.get(f"/staff/api/places/{key}").json()
    cells.pop("id")
    bad = client.post(
        f"/staff/admin/places/{key}", data={**cells, "postcode": "1", "csrf_token": csrf}
    )
    assert (
        bad.status_code == 422 and 'aria-invalid="true" aria-describedby="f-e-postcode"' in bad.text
    )
    good = client.post(
        f"/staff/admin/places/{key}",
        data={**cells, "name": "Umbenannt", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert client.get(f"/staff/api/places/{key}").json()["name"] == "Umbenannt"
    # A lone carriage return broke the CSV check: a 500 (form fuzzer). Now a line break.
    lone_cr = client.post(
        f"/staff/admin/places/{key}",
        data={**cells, "closures": "24.12.\rgeschlossen", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert lone_cr.status_code in (303, 422)
    nul = client.post(
        f"/staff/admin/places/{key}", data={**cells, "name": "A\x00", "csrf_token": csrf}
    )
    assert nul.status_code == 422 and "Steuerzeichen" in nul.text


def test_admin_creates_and_deletes_a_place_through_the_pages(
    client: TestClient, db: Database
) -> None:
    _, admin_pw = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", admin_pw)
    cells = {
        k: "; ".join(v) if isinstance(v, list) else str(v) for k, v in _place_body("neuort").items()
    }
    cells["is_example_data"] = "nein"
    bad = client.post("/staff/admin/places", data={**cells, "stufe": "9", "csrf_token": csrf})
    assert bad.status_code == 422 and 'aria-describedby="new-e-stufe"' in bad.text
    created = client.post(
        "/staff/admin/places", data={**cells, "csrf_token": csrf}, follow_redirects=False
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/staff/admin/places/neuort?ok=created"
    twice = client.post("/staff/admin/places", data={**cells, "csrf_token": csrf})
    assert twice.status_code == 422 and "Diesen Schlüssel gibt es schon." in twice.text
    deleted = client.post(
        "/staff/admin/places/neuort/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert deleted.headers["location"] == "/staff/admin/places?ok=deleted"
    with db.read_session() as session:
        assert get_place(session, "neuort") is None
    actions = [(a, d) for a, kind, _, d in _audit(db) if kind == "place"]
    assert actions == [("place.create", {"key": "neuort"}), ("place.delete", {"key": "neuort"})]
