"""One app for the whole fuzz package: SQLite, Rasa down, limits off, staff signed in.

The API fuzzer runs first and leaves its garbage in the database (places through the
staff API, web chat messages, tickets); the form fuzzer adds more; the page checks at
the end render everything that is stored. ``DIODO_FUZZ_EXAMPLES`` sets the number of
examples per operation and per form (default 20).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from sqlalchemy import select

from helpdesk.conversations import service as hub
from helpdesk.db import Database, utcnow
from helpdesk.main import create_app
from helpdesk.places.models import Place
from helpdesk.privacy.crypto import Keyring
from helpdesk.settings import Settings
from helpdesk.staff.deps import COOKIE_NAME
from helpdesk.staff.principal import Role
from helpdesk.tickets import service as tickets
from helpdesk.tickets.service import DueRules, TicketCreate
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port
from tests.staff_support import create_staff, login

TOKEN = "internal-fuzz-token"
BASE_URL = "https://testserver"
EXAMPLES = int(os.environ.get("DIODO_FUZZ_EXAMPLES", "20"))
# A payload that must never come back unescaped in a staff page.
SCRIPT = '"><script>alert("diodo-fuzz")</script>'
SCRIPT_MARK = "<script>alert("


def fuzz_settings(max_examples: int = EXAMPLES) -> settings:
    """Reproducible (derandomized), bounded Hypothesis settings for one operation or form."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


@dataclass
class Identity:
    """A signed-in staff member: the session cookie and its CSRF token."""

    id: int
    username: str
    password: str
    session_id: str
    csrf: str

    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE_NAME}={self.session_id}", "X-CSRF-Token": self.csrf}


@dataclass
class World:
    """The running app and what the fuzzers aim at."""

    client: TestClient
    db: Database
    admin: Identity
    coordinator: Identity
    victim_id: int  # an account the admin forms may change at will
    place_key: str
    ticket_ids: list[int]
    pseudonym: str  # a conversation the internal ticket API knows
    webchat_session: str

    def sign_in(self, who: Identity) -> str:
        """Use ``who``'s cookie in the client's jar (form posts); returns the CSRF token."""
        self.client.cookies.clear()
        # http.cookiejar calls a host without a dot "<host>.local".
        self.client.cookies.set(
            COOKIE_NAME, who.session_id, domain="testserver.local", path="/staff"
        )
        return who.csrf


def _settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{closed_port()}",
        actions_url=f"http://127.0.0.1:{closed_port()}",
        internal_api_token=SecretStr(TOKEN),
        pseudonym_key=SecretStr("pseudonym-fuzz-key"),
        **SETTINGS_KEYS,
        knowledge_semantic=False,
        places_seed_example_data=True,
        poll_interval_seconds=0.05,
        # Interval 0 switches the abuse limits off: the fuzzer is faster than a person.
        webchat_message_interval_seconds=0,
        webchat_address_message_interval_seconds=0,
        webchat_session_interval_seconds=0,
        # Wrong passwords in the fuzzed forms must not lock the fuzzing accounts out.
        staff_login_max_failures=1_000_000,
        staff_login_address_max_failures=1_000_000,
        staff_login_account_max_failures=1_000_000,
    )


def _identity(client: TestClient, db: Database, username: str, role: Role) -> Identity:
    principal, password = create_staff(db, username, role)
    client.cookies.clear()
    csrf = login(client, username, password)
    session_id = client.cookies.get(COOKIE_NAME)
    assert session_id
    return Identity(principal.id, username, password, session_id, csrf)


def _tickets(db: Database, keys: Keyring) -> tuple[str, list[int], str]:
    """Tickets at one of the (valid) example places and in the central queue."""
    with db.session() as session:
        place = session.scalars(select(Place).order_by(Place.key)).first()
        assert place is not None, "the example places were not loaded"
        place_key, place_id = place.key, place.id
        ids = []
        for n, place in enumerate((place_id, None, place_id)):
            conversation = hub.get_or_create_conversation(
                session, channel="web", address=f"fuzz-citizen-{n}", keys=keys
            )
            opened = tickets.open_ticket(
                session,
                TicketCreate(conversation.id, place_id=place, summary=SCRIPT),
                now=utcnow(),
                rules=DueRules(),
            )
            ids.append(opened.ticket_id)
        spare = hub.get_or_create_conversation(
            session, channel="web", address="fuzz-citizen-spare", keys=keys
        )
        return place_key, ids, spare.pseudonym


@pytest.fixture(scope="package")
def fuzz_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """SQLite; ``DIODO_FUZZ_BACKEND=postgresql`` for a run on PostgreSQL (its text
    columns refuse NUL, SQLite's do not)."""
    if os.environ.get("DIODO_FUZZ_BACKEND", "sqlite") != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        return
    admin = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin)
    yield url
    drop_postgres_database(admin, url)


@pytest.fixture(scope="package")
def world(fuzz_database_url: str) -> Iterator[World]:
    app = create_app(_settings(fuzz_database_url))
    with TestClient(app, base_url=BASE_URL) as client:
        db: Database = app.state.db
        admin = _identity(client, db, "fuzz-admin", Role.ADMIN)
        coordinator = _identity(client, db, "fuzz-coordinator", Role.COORDINATOR)
        victim, _ = create_staff(db, "fuzz-helper", Role.HELPER)
        place_key, ticket_ids, pseudonym = _tickets(db, app.state.keys)
        created = client.post("/api/webchat/sessions")
        assert created.status_code == 201, created.text
        client.cookies.clear()
        yield World(
            client=client,
            db=db,
            admin=admin,
            coordinator=coordinator,
            victim_id=victim.id,
            place_key=place_key,
            ticket_ids=ticket_ids,
            pseudonym=pseudonym,
            webchat_session=created.json()["session_id"],
        )
