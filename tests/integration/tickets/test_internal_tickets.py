"""The internal tickets API through the test client (app lifespan, example places seeded)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from helpdesk.conversations import service as hub
from helpdesk.internal.places import get_clock
from helpdesk.main import create_app
from helpdesk.places.models import Place
from helpdesk.settings import Settings
from helpdesk.tickets.models import Ticket
from tests.keys import SETTINGS_KEYS, keyring
from tests.ports import closed_port as _closed_port

TOKEN = "internal-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        rasa_url=f"http://127.0.0.1:{_closed_port()}",
        actions_url=f"http://127.0.0.1:{_closed_port()}",
        internal_api_token=SecretStr(TOKEN),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        poll_interval_seconds=0.05,
        knowledge_semantic=False,
    )
    app = create_app(settings)
    app.dependency_overrides[get_clock] = lambda: lambda: TUESDAY
    with TestClient(app) as test_client:
        yield test_client


def _pseudonym(client: TestClient, channel: str = "web", address: str = "session-1") -> str:
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        conversation = hub.get_or_create_conversation(
            session, channel=channel, address=address, keys=keyring("pseudonym-test-key")
        )
        return conversation.pseudonym


def test_ticket_api_needs_the_token(client: TestClient) -> None:
    assert client.post("/internal/tickets", json={"sender": "x"}).status_code == 401
    assert client.post("/internal/tickets/preview", json={}).status_code == 401


def test_preview_names_a_place_in_the_district_and_when(client: TestClient) -> None:
    body = client.post(
        "/internal/tickets/preview", json={"stadtbezirk": "Hörde"}, headers=AUTH
    ).json()
    assert not body["central"] and body["place_name"]
    assert "Uhr" in body["when"]


def test_unknown_district_goes_to_the_central_queue(client: TestClient) -> None:
    body = client.post("/internal/tickets/preview", json={}, headers=AUTH).json()
    assert body["central"] and body["place_name"] == "DiODo-Team der Stadt Dortmund"
    # Tuesday 11:00 in Dortmund, central desk Mo-Fr 9-17: someone is there now.
    assert body["when"].startswith("jetzt")


def test_handoff_opens_one_ticket_in_the_routed_queue(client: TestClient) -> None:
    sender = _pseudonym(client)
    payload = {
        "sender": sender,
        "priority": "dringend",
        "topic": "geld_weg",
        "stadtbezirk": "Hörde",
        "summary": "Link geklickt, Geld fehlt",
    }
    first = client.post("/internal/tickets", json=payload, headers=AUTH)
    again = client.post("/internal/tickets", json=payload, headers=AUTH)
    assert first.status_code == 201 and first.json()["created"]
    assert again.json() == {**first.json(), "created": False}
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.read_session() as session:
        ticket = session.get_one(Ticket, first.json()["ticket_id"])
        place = session.get_one(Place, ticket.place_id)
        assert (ticket.priority, ticket.topic, place.stadtbezirk) == (
            "dringend",
            "geld_weg",
            "Hörde",
        )
        assert ticket.phone is None
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_sms_number_is_kept_only_for_a_consented_call_back(client: TestClient) -> None:
    sender = _pseudonym(client, "sms", "+4923112345")
    base = {"sender": sender, "type": "rueckruf", "callback_window": "morgen vormittag"}
    created = client.post(
        "/internal/tickets", json={**base, "use_sms_number": True}, headers=AUTH
    ).json()
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.read_session() as session:
        ticket = session.get_one(Ticket, created["ticket_id"])
        assert ticket.phone is not None and "4923112345" not in ticket.phone  # encrypted
        keys = client.app.state.keys  # type: ignore[attr-defined]
        phone, window = keys.decrypt(ticket.phone), keys.decrypt(ticket.callback_window)
        assert (phone, window) == ("+4923112345", "morgen vormittag")
    other = _pseudonym(client, "sms", "+4923199999")
    created = client.post("/internal/tickets", json={**base, "sender": other}, headers=AUTH).json()
    with db.read_session() as session:
        assert session.get_one(Ticket, created["ticket_id"]).phone is None


def test_unknown_sender_is_a_404(client: TestClient) -> None:
    response = client.post("/internal/tickets", json={"sender": "nobody"}, headers=AUTH)
    assert response.status_code == 404
