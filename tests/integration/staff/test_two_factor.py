"""Two-factor sign-in (TOTP) for admins and coordinators: switching it on and off on
"Mein Konto", the code step of the login, its rate limit, the admin's reset, and the
secret at rest (encrypted, re-encrypted by the key rotation)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from helpdesk.db import Database
from helpdesk.privacy.cli import rotate_keys
from helpdesk.privacy.crypto import Keyring, new_contact_key
from helpdesk.staff import totp
from helpdesk.staff.models import AuditEntry, StaffUser
from helpdesk.staff.principal import Role
from tests.integration.staff.conftest import Clock
from tests.keys import CONTACT_KEY, INDEX_KEY, KEYS
from tests.staff_support import create_staff, login, post_code, post_login

PASSWORD = "ein-langes-passwort"
SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')


def _code(secret: str, clock: Clock, offset: int = 0) -> str:
    return totp.code_at(secret, totp.time_step(clock.now) + offset)


def _wrong_code(secret: str, clock: Clock) -> str:
    taken = {_code(secret, clock, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in taken)


def _switch_on(client: TestClient, csrf: str, clock: Clock) -> str:
    """Set up and confirm in the browser; returns the secret the page showed."""
    started = client.post("/staff/account/totp/setup", data={"csrf_token": csrf})
    assert started.status_code == 200, started.text  # redirect followed to the page
    match = SECRET.search(started.text)
    assert match, "the account page shows no secret"
    secret = match.group(1).replace(" ", "")
    assert re.search(
        rf"otpauth://totp/DiODo:[a-z]+\?secret={secret}&amp;issuer=DiODo", started.text
    )
    confirmed = client.post(
        "/staff/account/totp/confirm",
        data={"csrf_token": csrf, "password": PASSWORD, "code": _code(secret, clock)},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    return secret


def _audit_actions(db: Database) -> list[str]:
    with db.read_session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _fresh(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="https://testserver")


def test_an_admin_switches_it_on_and_then_needs_the_code(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    csrf = login(client, "chefin", PASSWORD)
    assert "Mein Konto" in client.get("/staff/tickets").text
    secret = _switch_on(client, csrf, clock)
    page = client.get("/staff/account?ok=totp_on")
    assert "Eingeschaltet" in page.text and secret not in page.text.replace(" ", "")

    browser = _fresh(client)
    step_one = post_login(browser, "chefin", PASSWORD)
    assert step_one.status_code == 200 and "Code eingeben" in step_one.text
    assert "diodo_staff=" not in step_one.headers.get("set-cookie", "")
    assert browser.get("/staff/api/me").status_code == 401  # no session before the code
    clock.now += timedelta(seconds=30)
    signed_in = post_code(browser, step_one.text, _code(secret, clock))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/"
    assert browser.get("/staff/api/me").json()["username"] == "chefin"
    assert _audit_actions(db)[-1] == "staff.login"
    assert "staff.totp_enable" in _audit_actions(db)


def test_wrong_reused_and_missing_codes_are_refused(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    secret = _switch_on(client, login(client, "chefin", PASSWORD), clock)
    browser = _fresh(client)
    step_one = post_login(browser, "chefin", PASSWORD)
    wrong = post_code(browser, step_one.text, _wrong_code(secret, clock))
    assert wrong.status_code == 401 and "Der Code stimmt nicht" in wrong.text
    # The confirmation used the current code: within its window it is not taken again.
    reused = post_code(browser, wrong.text, _code(secret, clock))
    assert reused.status_code == 401
    missing = post_code(browser, reused.text, "")
    assert missing.status_code == 401
    clock.now += timedelta(seconds=30)
    accepted = post_code(browser, missing.text, _code(secret, clock))
    assert accepted.status_code == 303
    # The same code once more, from another browser with the password: refused.
    other = _fresh(client)
    again = post_code(other, post_login(other, "chefin", PASSWORD).text, _code(secret, clock))
    assert again.status_code == 401


def test_the_code_step_needs_the_password_step_first(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    secret = _switch_on(client, login(client, "chefin", PASSWORD), clock)
    browser = _fresh(client)
    form = browser.get("/staff/login")
    skipped = post_code(browser, form.text, _code(secret, clock, 1))
    assert skipped.status_code == 403
    step_one = post_login(browser, "chefin", PASSWORD)
    browser.cookies.set(
        "diodo_staff_2fa", "1.99999999999.forged", domain="testserver.local", path="/staff/login"
    )
    forged = post_code(browser, step_one.text, _code(secret, clock, 1))
    assert forged.status_code == 403 and browser.get("/staff/api/me").status_code == 401
    step_one = post_login(browser, "chefin", PASSWORD)
    clock.now += timedelta(minutes=6)  # the pending step lasts 5 minutes
    late = post_code(browser, step_one.text, _code(secret, clock))
    assert late.status_code == 403


def test_a_pending_cookie_with_odd_digits_is_expired_not_a_server_error(
    client: TestClient,
) -> None:
    form = client.get("/staff/login")
    match = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert match
    token = match.group(1)
    # "²" is a digit to str.isdigit() but not to int(): the code step answered 500.
    # Header octets are latin-1, where "²" and "³" are single bytes.
    for pending in ("².99999999999.x", "1.³³³³³³³³³³³.x"):
        cookie = f"diodo_staff_login={token}; diodo_staff_2fa={pending}"
        response = client.post(
            "/staff/login/code",
            data={"code": "123456", "login_token": token},
            headers={"Cookie": cookie.encode("latin-1")},
            follow_redirects=False,
        )
        assert response.status_code == 403, pending


def test_guessing_codes_is_rate_limited_like_passwords(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    secret = _switch_on(client, login(client, "chefin", PASSWORD), clock)
    clock.now += timedelta(seconds=30)
    browser = _fresh(client)
    page = post_login(browser, "chefin", PASSWORD).text
    current = _code(secret, clock)
    guesses = [f"{n:06d}" for n in range(20) if f"{n:06d}" != current][:5]
    for guess in guesses:
        response = post_code(browser, page, guess)
        assert response.status_code == 401
        page = response.text
    blocked = post_code(browser, page, current)
    assert blocked.status_code == 429 and "Zu viele Versuche" in blocked.text
    assert browser.get("/staff/api/me").status_code == 401
    assert post_login(browser, "chefin", PASSWORD).status_code == 429


def test_switching_off_needs_a_current_code_and_is_audited(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    csrf = login(client, "chefin", PASSWORD)
    secret = _switch_on(client, csrf, clock)
    refused = client.post("/staff/account/totp/disable", data={"csrf_token": csrf, "code": "1"})
    assert refused.status_code == 422 and "Der Code stimmt nicht" in refused.text
    clock.now += timedelta(seconds=30)
    done = client.post(
        "/staff/account/totp/disable",
        data={"csrf_token": csrf, "code": _code(secret, clock)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/staff/account?ok=totp_off"
    assert "staff.totp_disable" in _audit_actions(db)
    assert post_login(_fresh(client), "chefin", PASSWORD).status_code == 303


def test_confirming_needs_the_password_and_a_matching_code(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "koordi", Role.COORDINATOR, password=PASSWORD)
    csrf = login(client, "koordi", PASSWORD)
    page = client.post("/staff/account/totp/setup", data={"csrf_token": csrf})
    match = SECRET.search(page.text)
    assert match
    secret = match.group(1).replace(" ", "")
    wrong_pw = client.post(
        "/staff/account/totp/confirm",
        data={"csrf_token": csrf, "password": "nicht-meins-123", "code": _code(secret, clock)},
    )
    assert wrong_pw.status_code == 422 and "Ihr Passwort stimmt nicht." in wrong_pw.text
    wrong_code = client.post(
        "/staff/account/totp/confirm",
        data={"csrf_token": csrf, "password": PASSWORD, "code": _code(secret, clock, 5)},
    )
    assert wrong_code.status_code == 422 and "Der Code stimmt nicht" in wrong_code.text
    with db.read_session() as session:
        assert session.scalar(select(StaffUser.totp_enabled_at)) is None
    assert post_login(_fresh(client), "koordi", PASSWORD).status_code == 303


def test_helpers_cannot_switch_it_on(client: TestClient, db: Database) -> None:
    create_staff(db, "helga", Role.HELPER, password=PASSWORD)
    csrf = login(client, "helga", PASSWORD)
    page = client.get("/staff/account")
    assert "Einrichten" not in page.text and "Administration und Koordination" in page.text
    refused = client.post("/staff/account/totp/setup", data={"csrf_token": csrf})
    assert refused.status_code == 422


def test_an_admin_resets_it_for_someone_who_lost_the_phone(
    client: TestClient, db: Database, clock: Clock
) -> None:
    koordi, _ = create_staff(db, "koordi", Role.COORDINATOR, password=PASSWORD)
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    phone_owner = _fresh(client)
    csrf = login(phone_owner, "koordi", PASSWORD)
    _switch_on(phone_owner, csrf, clock)
    admin_csrf = login(client, "chefin", PASSWORD)
    detail = client.get(f"/staff/admin/staff/{koordi.id}")
    assert "Code-Anmeldung ausschalten" in detail.text
    reset = client.post(
        f"/staff/admin/staff/{koordi.id}/totp-reset",
        data={"csrf_token": admin_csrf},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    with db.read_session() as session:
        object_id, actor = session.execute(
            select(AuditEntry.object_id, AuditEntry.staff_id).where(
                AuditEntry.action == "staff.totp_reset"
            )
        ).one()
    assert object_id == str(koordi.id) and actor not in (None, koordi.id)
    assert post_login(_fresh(client), "koordi", PASSWORD).status_code == 303


def test_the_secret_is_stored_encrypted_and_follows_a_key_rotation(
    client: TestClient, db: Database, clock: Clock
) -> None:
    create_staff(db, "chefin", Role.ADMIN, password=PASSWORD)
    secret = _switch_on(client, login(client, "chefin", PASSWORD), clock)
    with db.read_session() as session:
        stored = session.scalar(select(StaffUser.totp_secret_enc))
    assert stored and secret not in stored and KEYS.decrypt(stored) == secret
    new_key = new_contact_key()
    both = Keyring(contact_keys=(new_key, CONTACT_KEY), index_key=INDEX_KEY, pseudonym_key="k")
    with db.session() as session:
        rotate_keys(session, both)
    with db.read_session() as session:
        rotated = session.scalar(select(StaffUser.totp_secret_enc))
    only_new = Keyring(contact_keys=(new_key,), index_key=INDEX_KEY, pseudonym_key="k")
    assert rotated and rotated != stored and only_new.decrypt(rotated) == secret
