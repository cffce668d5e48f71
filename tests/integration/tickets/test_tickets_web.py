"""Object-level authorisation of every staff ticket endpoint, on SQLite and PostgreSQL.

A helper of place A can neither read nor change a ticket of place B (by id, in lists,
in filters, in the export); an organiser gets 403 everywhere (no transcripts); anonymous
requests are refused; citizen text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from helpdesk.conversations import service as hub
from helpdesk.conversations.models import OutboundMessage
from helpdesk.db import Database, utcnow
from helpdesk.staff.models import AuditEntry
from helpdesk.staff.principal import Role
from helpdesk.tickets import service, web_ticket
from helpdesk.tickets import web as tickets_web
from helpdesk.tickets.models import Ticket, TicketMessage
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.integration.tickets.factory import add_place
from tests.keys import keyring
from tests.staff_support import create_staff, login

XSS = "<script>alert(1)</script>"


@dataclass
class World:
    place_a: int
    place_b: int
    ticket_a: int
    ticket_b: int
    central: int


@pytest.fixture
def world(db: Database) -> World:
    with db.session() as session:
        place_a = add_place(session, "a")
        place_b = add_place(session, "b")
        ids = []
        for address, place_id, summary in (
            ("ca", place_a, XSS),
            ("cb", place_b, "Geheim B"),
            ("cz", None, "Geheim zentral"),
        ):
            conversation = hub.get_or_create_conversation(
                session, channel="web", address=address, keys=keyring("k")
            )
            ids.append(
                service.open_ticket(
                    session,
                    TicketCreate(conversation.id, place_id=place_id, summary=summary),
                    now=utcnow(),
                    rules=DueRules(),
                ).ticket_id
            )
    return World(place_a, place_b, *ids)


def _endpoints(ticket_id: int, place: int) -> list[tuple[str, str, dict[str, str]]]:
    base = f"/staff/tickets/{ticket_id}"
    return [
        ("GET", base, {}),
        ("POST", f"{base}/reply", {"text": "Hallo"}),
        ("POST", f"{base}/note", {"text": "Notiz"}),
        ("POST", f"{base}/state", {"state": "geloest"}),
        ("POST", f"{base}/priority", {"priority": "dringend"}),
        ("POST", f"{base}/assign", {"assignee": ""}),
        ("POST", f"{base}/transfer", {"place": str(place)}),
        ("POST", f"{base}/erase", {"confirm": "ja"}),
    ]


LIST_ENDPOINTS = ("/staff/tickets", "/staff/tickets/rows", "/staff/tickets/export.csv")


def test_every_ticket_route_is_covered_here() -> None:
    # One ticket's page and actions live in their own router, included by the queue's.
    pages = [(route, "") for route in tickets_web.router.routes]
    pages += [(route, tickets_web.router.prefix) for route in web_ticket.router.routes]
    routes = {
        (method, prefix + route.path)
        for route, prefix in pages
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    covered = {(m, p.replace("/1", "/{ticket_id}")) for m, p, _ in _endpoints(1, 1)}
    covered |= {("GET", path) for path in LIST_ENDPOINTS} | {("GET", "/staff/tickets/events")}
    assert routes == covered


def _snapshot(db: Database, ticket_id: int) -> tuple[object, ...]:
    with db.read_session() as session:
        ticket = session.get_one(Ticket, ticket_id)
        messages = session.scalar(
            select(func.count())
            .select_from(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id)
        )
        outbox = session.scalar(select(func.count()).select_from(OutboundMessage))
        return (
            ticket.state,
            ticket.priority,
            ticket.place_id,
            ticket.assignee_id,
            messages,
            outbox,
        )


def test_helper_of_place_a_cannot_read_or_change_tickets_of_place_b(
    client: TestClient, db: Database, world: World
) -> None:
    _, password = create_staff(db, "anna", Role.HELPER, [world.place_a])
    csrf = login(client, "anna", password)
    for path in LIST_ENDPOINTS:
        for query in ("", f"?place={world.place_b}", "?place=zentral", "?state=", "?state=&age=1h"):
            body = client.get(path + query).text
            assert f'/staff/tickets/{world.ticket_b}"' not in body
            assert "Geheim" not in body
            assert f"Nr. {world.central}<" not in body
    assert f'href="/staff/tickets/{world.ticket_a}"' in client.get("/staff/tickets").text
    assert str(world.ticket_a) in client.get("/staff/tickets/export.csv").text
    for other in (world.ticket_b, world.central):
        before = _snapshot(db, other)
        for method, path, data in _endpoints(other, world.place_a):
            response = client.request(
                method,
                path,
                data={**data, "csrf_token": csrf} if method == "POST" else None,
                follow_redirects=False,
            )
            assert response.status_code == 404, (method, path)
            assert "Geheim" not in response.text
        assert _snapshot(db, other) == before


def test_helper_works_their_own_ticket_and_citizen_text_is_escaped(
    client: TestClient, db: Database, world: World
) -> None:
    _, password = create_staff(db, "anna", Role.HELPER, [world.place_a])
    csrf = login(client, "anna", password)
    page = client.get(f"/staff/tickets/{world.ticket_a}")
    assert page.status_code == 200
    assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert XSS not in client.get("/staff/tickets").text
    response = client.post(
        f"/staff/tickets/{world.ticket_a}/reply",
        data={"text": "Guten Tag!", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with db.read_session() as session:
        texts = session.scalars(select(OutboundMessage.text)).all()
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert texts == ["Guten Tag!"]
    assert {"ticket.list", "ticket.view", "ticket.reply"} <= set(actions)


def test_posts_without_csrf_token_are_refused(
    client: TestClient, db: Database, world: World
) -> None:
    _, password = create_staff(db, "anna", Role.HELPER, [world.place_a])
    login(client, "anna", password)
    before = _snapshot(db, world.ticket_a)
    for method, path, data in _endpoints(world.ticket_a, world.place_b):
        if method == "POST":
            assert client.post(path, data=data, follow_redirects=False).status_code == 403
    assert _snapshot(db, world.ticket_a) == before


def test_organiser_reads_no_ticket_and_no_transcript(
    client: TestClient, db: Database, world: World
) -> None:
    _, password = create_staff(db, "otto", Role.ORGANISER)
    csrf = login(client, "otto", password)
    for path in (*LIST_ENDPOINTS, "/staff/tickets/events"):
        assert client.get(path).status_code == 403, path
    before = _snapshot(db, world.ticket_a)
    for method, path, data in _endpoints(world.ticket_a, world.place_b):
        response = client.request(
            method,
            path,
            data={**data, "csrf_token": csrf} if method == "POST" else None,
            follow_redirects=False,
        )
        assert response.status_code == 403, (method, path)
        assert "alert(1)" not in response.text
    assert _snapshot(db, world.ticket_a) == before


def test_anonymous_requests_are_refused(client: TestClient, world: World) -> None:
    for path in (*LIST_ENDPOINTS, "/staff/tickets/events"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (303, 401), path
        assert "alert(1)" not in response.text
    for method, path, data in _endpoints(world.ticket_a, world.place_b):
        response = client.request(method, path, data=data or None, follow_redirects=False)
        assert response.status_code in (303, 401, 403), (method, path)


def test_coordinator_sees_every_queue_and_transfers(
    client: TestClient, db: Database, world: World
) -> None:
    _, password = create_staff(db, "cora", Role.COORDINATOR)
    csrf = login(client, "cora", password)
    queue = client.get("/staff/tickets").text
    for ticket_id in (world.ticket_a, world.ticket_b, world.central):
        assert f'href="/staff/tickets/{ticket_id}"' in queue
    central = client.get("/staff/tickets/rows?place=zentral").text
    assert f'href="/staff/tickets/{world.central}"' in central
    assert f'href="/staff/tickets/{world.ticket_a}"' not in central
    client.post(
        f"/staff/tickets/{world.central}/transfer",
        data={"place": str(world.place_a), "csrf_token": csrf},
    )
    with db.read_session() as session:
        assert session.get_one(Ticket, world.central).place_id == world.place_a


def test_only_an_admin_erases_a_tickets_citizen_and_the_citizen_is_told(
    client: TestClient, db: Database, world: World
) -> None:
    from helpdesk.conversations.models import Conversation, InboundMessage
    from helpdesk.privacy.erasure import finish_erasures
    from helpdesk.texts import text

    _, password = create_staff(db, "anna", Role.HELPER, [world.place_a])
    csrf = login(client, "anna", password)
    path = f"/staff/tickets/{world.ticket_a}/erase"
    refused = client.post(path, data={"confirm": "ja", "csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Daten jetzt löschen" not in client.get(f"/staff/tickets/{world.ticket_a}").text
    client.post("/staff/logout", data={"csrf_token": csrf})
    _, password = create_staff(db, "root", Role.ADMIN)
    csrf = login(client, "root", password)
    assert "Daten jetzt löschen" in client.get(f"/staff/tickets/{world.ticket_a}").text
    unconfirmed = client.post(path, data={"csrf_token": csrf}, follow_redirects=False)
    assert "fehler=ticket.erase" in unconfirmed.headers["location"]
    done = client.post(path, data={"confirm": "ja", "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/tickets?geloescht=1"
    # The detached ticket still opens (it was a 500: form fuzzer), without personal data.
    erased = client.get(f"/staff/tickets/{world.ticket_a}")
    assert erased.status_code == 200 and "Daten gelöscht" in erased.text
    assert f"/staff/tickets/{world.ticket_a}" in client.get("/staff/tickets?state=").text
    with db.read_session() as session:
        ticket = session.get_one(Ticket, world.ticket_a)
        assert ticket.conversation_id is None and ticket.summary == ""
        farewell = session.scalars(select(OutboundMessage.text)).all()
        assert farewell == [text("erase_done")]  # the last message to the citizen
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "ticket.erase_citizen" in actions
    with db.session() as session:
        finish_erasures(session, now=utcnow() + timedelta(minutes=2))
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Conversation)) == 2  # the others


HUGE = (2**31, 2**63, 2**64 + 7)


def test_absurd_ids_are_a_clear_4xx_never_a_500(client: TestClient, db: Database) -> None:
    """Hardening finding 4: ids of 2^63 or more once made 500 errors."""
    _, password = create_staff(db, "admin", Role.ADMIN)
    csrf = login(client, "admin", password)
    for big in HUGE:
        for method, path, data in _endpoints(big, 1):
            response = client.request(
                method, path, data={**data, "csrf_token": csrf}, follow_redirects=False
            )
            assert 400 <= response.status_code < 500, (path, response.status_code)
        for path in (f"/staff/admin/staff/{big}", f"/staff/admin/audit?before={big}"):
            response = client.get(path)
            assert 400 <= response.status_code < 500, (path, response.status_code)


def test_a_ticket_goes_only_to_someone_who_can_open_it(
    client: TestClient, db: Database, world: World
) -> None:
    """Hardening findings 4 and 10: an unknown id, an organiser or a helper of another
    place cannot be made the assignee; a helper of the ticket's place can."""
    _, password = create_staff(db, "chefin", Role.COORDINATOR)
    organiser, _ = create_staff(db, "olga", Role.ORGANISER)
    other_helper, _ = create_staff(db, "bert", Role.HELPER, [world.place_b])
    own_helper, _ = create_staff(db, "anna", Role.HELPER, [world.place_a])
    csrf = login(client, "chefin", password)
    path = f"/staff/tickets/{world.ticket_a}/assign"
    # "²" and "١" are digits to str.isdigit(); "²" made int() fail: a 500 (fuzzing).
    for wrong in ("999999", str(2**63), str(organiser.id), str(other_helper.id), "²", "١"):
        before = _snapshot(db, world.ticket_a)
        response = client.post(
            path, data={"assignee": wrong, "csrf_token": csrf}, follow_redirects=False
        )
        refused = response.status_code == 422 or (
            response.status_code == 303 and "fehler=ticket.assign" in response.headers["location"]
        )
        assert refused, (wrong, response.status_code)
        assert _snapshot(db, world.ticket_a) == before
    client.post(path, data={"assignee": str(own_helper.id), "csrf_token": csrf})
    assert _snapshot(db, world.ticket_a)[3] == own_helper.id


def test_a_place_filter_that_is_no_ascii_number_is_a_page_not_a_500(
    client: TestClient, db: Database, world: World
) -> None:
    """Found by the form fuzzer: "²" passes str.isdigit() but not int()."""
    _, password = create_staff(db, "chefin", Role.COORDINATOR)
    login(client, "chefin", password)
    for place in ("²", "١٢", "9" * 16):
        for path in ("/staff/tickets", "/staff/tickets/rows", "/staff/tickets/export.csv"):
            response = client.get(path, params={"place": place})
            assert response.status_code == 200, (path, place, response.status_code)


def test_staff_read_dortmund_time_on_pages_and_in_the_export(
    client: TestClient, db: Database
) -> None:
    """Hardening finding 14: times were shown in UTC ("Eingang 06:04 UTC")."""
    winter = datetime(2026, 12, 1, 5, 4, tzinfo=UTC)  # 06:04 MEZ
    summer = datetime(2026, 7, 1, 5, 4, tzinfo=UTC)  # 07:04 MESZ
    ids = []
    with db.session() as session:
        place = add_place(session, "zeit")
        for address, at in (("zeit-w", winter), ("zeit-s", summer)):
            conversation = hub.get_or_create_conversation(
                session, channel="web", address=address, keys=keyring("k")
            )
            ids.append(
                service.open_ticket(
                    session, TicketCreate(conversation.id, place_id=place), now=at, rules=DueRules()
                ).ticket_id
            )
    _, password = create_staff(db, "zeitadmin", Role.ADMIN)
    login(client, "zeitadmin", password)
    page = client.get(f"/staff/tickets/{ids[0]}").text
    assert "01.12.2026 06:04 Uhr" in page and "UTC" not in page
    assert "01.07.2026 07:04 Uhr" in client.get(f"/staff/tickets/{ids[1]}").text
    export = client.get("/staff/tickets/export.csv?state=").text
    assert "2026-12-01T06:04+01:00" in export and "2026-07-01T07:04+02:00" in export
