"""Deactivating an account ends its sessions at once, in every app process, including a
live event stream that authenticated before (issue 17)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from helpdesk.conversations.notify import Notifier
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.staff.deps import get_clock
from helpdesk.staff.principal import Role
from helpdesk.tickets import web as tickets_web
from tests.integration.staff.conftest import Clock
from tests.staff_support import create_staff, login


def test_a_deactivated_helper_is_signed_out_at_once_in_another_app_process(
    client: TestClient, db: Database, staff_settings: Settings, clock: Clock
) -> None:
    helper, helper_pw = create_staff(db, "helga", Role.HELPER)
    _, admin_pw = create_staff(db, "chefin", Role.ADMIN)
    other_process = create_app(staff_settings)  # a second app on the same database
    other_process.dependency_overrides[get_clock] = lambda: clock
    with TestClient(other_process, base_url="https://testserver") as helga:
        login(helga, "helga", helper_pw)
        assert helga.get("/staff/tickets").status_code == 200
        csrf = login(client, "chefin", admin_pw)
        done = client.post(
            f"/staff/admin/staff/{helper.id}/active",
            data={"csrf_token": csrf, "active": "false"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = helga.get("/staff/tickets", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/staff/login?next=/staff/tickets"
        assert helga.get("/staff/api/me").status_code == 401
        client.post(
            f"/staff/admin/staff/{helper.id}/active", data={"csrf_token": csrf, "active": "true"}
        )
        assert helga.get("/staff/api/me").status_code == 401  # the old session stays dead


async def test_an_open_event_stream_ends_once_the_session_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tickets_web, "HEARTBEAT_SECONDS", 0.01)
    signed_in = True
    checks = 0

    async def still_signed_in() -> bool:
        nonlocal checks
        checks += 1
        return signed_in

    stream = tickets_web._stream(Notifier(), still_signed_in)
    assert await anext(stream) == "retry: 2000\n\n"
    assert await anext(stream) == ": ping\n\n"
    assert checks == 1
    signed_in = False  # deactivated, logged out or expired meanwhile
    rest = [chunk async for chunk in stream]
    assert rest == []
