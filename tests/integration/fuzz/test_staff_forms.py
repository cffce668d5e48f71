"""A form fuzzer over the staff UI: every form of every staff page, filled with garbage.

Signed in as admin (accounts, places, audit, tickets, own account) and as coordinator
(tickets, dashboard), each page is fetched, its forms parsed (fields, choices, CSRF
token) and submitted with Hypothesis-generated values: left out, empty, huge, unicode,
control characters, NUL, markup, numbers out of range, unknown choices. Never a 5xx,
never the script payload unescaped; afterwards every page that lists or shows what is
stored still renders (``test_stored_garbage_breaks_no_page``, last in this package).
The login form is left out (``tests/integration/staff/test_login_limits.py``), and so
is the logout button.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given
from sqlalchemy import select

from helpdesk.staff.models import StaffUser
from helpdesk.tickets.models import Ticket
from tests.integration.fuzz.conftest import EXAMPLES, SCRIPT_MARK, World, fuzz_settings
from tests.integration.fuzz.forms import HINTS, VALID_PASSWORD, Form, filled, parse_forms

SKIPPED_ACTIONS = {"/staff/logout"}
# (who, page): the account page twice, so that the forms it shows once a two-factor
# setup was started are fuzzed too.
PAGES = [
    ("admin", "/staff/admin/staff"),
    ("admin", "/staff/admin/staff/{victim}"),
    ("admin", "/staff/admin/places"),
    ("admin", "/staff/admin/places/{place}"),
    ("admin", "/staff/admin/audit"),
    ("admin", "/staff/tickets"),
    ("admin", "/staff/tickets/{ticket0}"),
    ("admin", "/staff/tickets/{ticket1}"),
    ("admin", "/staff/account"),
    ("admin", "/staff/account"),
    ("admin", "/staff/password"),
    ("coordinator", "/staff/tickets/{ticket2}"),
    ("coordinator", "/staff/dashboard/nachfrage"),
    ("coordinator", "/staff/dashboard/luecken"),
    ("coordinator", "/staff/account"),
]


def _page_url(world: World, page: str) -> str:
    return page.format(
        victim=world.victim_id,
        place=world.place_key,
        ticket0=world.ticket_ids[0],
        ticket1=world.ticket_ids[1],
        ticket2=world.ticket_ids[2],
    )


def _assert_sound(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}\n{response.text[:2000]}"
    assert SCRIPT_MARK not in response.text, f"{what}: the script payload came back unescaped"
    if response.status_code == 422:  # a page in German for the browser, not FastAPI's JSON
        assert response.headers["content-type"].startswith("text/html"), what


def _submit(world: World, form: Form, data: dict[str, object]) -> None:
    what = f"{form.method.upper()} {form.action} {data!r:.500}"
    if form.method == "get":
        try:
            response = world.client.get(form.action, params=data)  # type: ignore[arg-type]
        except httpx.InvalidURL:  # longer than any browser or server takes: not sent
            return
    else:
        response = world.client.post(form.action, data=data, follow_redirects=False)
    _assert_sound(response, what)
    location = response.headers.get("location", "")
    if response.status_code in (302, 303) and urlsplit(location).path.startswith("/staff/"):
        _assert_sound(world.client.get(location), f"{what} -> {location}")


def _defaults(world: World, action: str) -> dict[str, object]:
    """Valid values for the forms that create something: a new place (the example
    place's data under a new key) and a new account."""
    if action == "/staff/admin/places":
        page = world.client.get(f"/staff/admin/places/{world.place_key}")
        edit = next(f for f in parse_forms(page.text) if f.action.endswith(world.place_key))
        return {**edit.values(), "key": HINTS["key"]}
    if action == "/staff/admin/staff":
        names = {"username": HINTS["username"], "display_name": "Fuzz"}
        return {**names, "password": VALID_PASSWORD, "password2": VALID_PASSWORD}
    return {}


@pytest.mark.parametrize(("who", "page"), PAGES)
def test_staff_form_never_answers_with_a_server_error(world: World, who: str, page: str) -> None:
    csrf = world.sign_in(world.admin if who == "admin" else world.coordinator)
    shown = world.client.get(_page_url(world, page))
    assert shown.status_code == 200, shown.text[:2000]
    forms = [form for form in parse_forms(shown.text) if form.action not in SKIPPED_ACTIONS]
    assert forms, f"no form on {page}"
    for form in forms:
        _fuzz(world, form, csrf)


def _fuzz(world: World, form: Form, csrf: str) -> None:
    defaults = _defaults(world, form.action)
    # Forms that store records get more examples: garbage in a valid record must be stored
    # (and shown later) often enough, not only refused.
    storing = bool(defaults) or form.action.startswith("/staff/admin/places/")
    examples = EXAMPLES * 3 if storing and not form.action.endswith("/delete") else EXAMPLES

    @fuzz_settings(examples)
    @given(data=filled(form, csrf, defaults))
    def run(data: dict[str, object]) -> None:
        _submit(world, form, data)

    run()


def _stored_pages(world: World) -> tuple[list[str], list[str]]:
    """Every staff page that shows what is stored now: (admin pages, coordinator pages)."""
    with world.db.read_session() as session:
        staff_ids = list(session.scalars(select(StaffUser.id)))
        ticket_ids = list(session.scalars(select(Ticket.id)))
    world.sign_in(world.admin)
    places = world.client.get("/staff/api/places")
    assert places.status_code == 200, places.text
    admin = [
        "/staff/admin/staff",
        *(f"/staff/admin/staff/{staff_id}" for staff_id in staff_ids),
        "/staff/admin/places",
        *(f"/staff/admin/places/{place['key']}" for place in places.json()),
        "/staff/admin/audit",
        "/staff/tickets",
        "/staff/tickets?state=",
        "/staff/tickets/rows?state=",
        "/staff/tickets/export.csv?state=",
        *(f"/staff/tickets/{ticket_id}" for ticket_id in ticket_ids),
        "/staff/account",
        "/staff/password",
    ]
    views = ("nachfrage", "ergebnisse", "unbeantwortet", "tickets", "angebot", "luecken")
    coordinator = [
        "/staff/dashboard",
        *(f"/staff/dashboard/{view}" for view in views),
        *(f"/staff/dashboard/{view}/export.{fmt}" for view in views for fmt in ("csv", "xlsx")),
        "/staff/tickets?state=",
    ]
    return admin, coordinator


def test_stored_garbage_breaks_no_page(world: World) -> None:
    admin_pages, coordinator_pages = _stored_pages(world)
    for who, pages in ((world.admin, admin_pages), (world.coordinator, coordinator_pages)):
        world.sign_in(who)
        for page in pages:
            response = world.client.get(page)
            assert response.status_code == 200, f"{page}: {response.status_code}"
            _assert_sound(response, page)
    world.client.cookies.clear()
    for page in ("/", "/datenschutz", "/barrierefreiheit", "/health"):
        _assert_sound(world.client.get(page), page)
