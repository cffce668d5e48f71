"""The internal places API through the test client (app lifespan, example data seeded)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.internal.places import get_clock
from helpdesk.main import create_app
from helpdesk.settings import Settings
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
    )
    app = create_app(settings)
    app.dependency_overrides[get_clock] = lambda: lambda: TUESDAY
    with TestClient(app) as test_client:
        yield test_client


def test_route_needs_the_token(client: TestClient) -> None:
    assert client.post("/internal/places/route", json={}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/internal/places/resolve", json={}, headers=wrong).status_code == 401


def test_hoerde_handy_question_names_a_place_in_hoerde(client: TestClient) -> None:
    response = client.post(
        "/internal/places/route",
        json={"text": "Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?"},
        headers=AUTH,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["location"]["stadtbezirk"] == "Hörde" and not body["ask_location"]
    first = body["places"][0]
    assert first["stadtbezirk"] == "Hörde" and first["is_example_data"]
    assert first["reasons"][0] == "in Hörde"
    assert len(first["sms"]) <= 160


def test_tablet_without_place_asks_then_postcode_routes_to_hoerde(client: TestClient) -> None:
    first = client.post(
        "/internal/places/route", json={"text": "Ich brauche Hilfe mit dem Tablet"}, headers=AUTH
    ).json()
    assert first["ask_location"] is True
    second = client.post(
        "/internal/places/route",
        json={"text": "Ich brauche Hilfe mit dem Tablet", "postcode": "44263"},
        headers=AUTH,
    ).json()
    assert second["ask_location"] is False
    assert {place["stadtbezirk"] for place in second["places"][:1]} == {"Hörde"}


def test_other_places_come_with_next_offset(client: TestClient) -> None:
    request = {"stadtbezirk": "Hörde", "need": ["frage"], "limit": 2}
    page1 = client.post("/internal/places/route", json=request, headers=AUTH).json()
    assert page1["next_offset"] == 2
    page2 = client.post(
        "/internal/places/route", json={**request, "offset": 2}, headers=AUTH
    ).json()
    keys1 = {place["key"] for place in page1["places"]}
    keys2 = {place["key"] for place in page2["places"]}
    assert keys2 and not keys1 & keys2
    assert page2["places"][0]["rank"] == 3


def test_senior_in_luetgendortmund_gets_level_3_help(client: TestClient) -> None:
    body = client.post(
        "/internal/places/route",
        json={"text": "Ich bin 81, wohne in Lütgendortmund und will das Internet lernen"},
        headers=AUTH,
    ).json()
    assert body["need"]["min_stufe"] == 3 and body["need"]["target_group"] == "senioren"
    assert body["places"] and all(place["stufe"] >= 3 for place in body["places"])
    assert body["places"][0]["stadtbezirk"] == "Lütgendortmund"


def test_need_may_be_one_key(client: TestClient) -> None:
    body = client.post(
        "/internal/places/route", json={"need": "kurs", "stadtbezirk": "hoerde"}, headers=AUTH
    ).json()
    assert body["need"]["min_stufe"] == 2 and body["location"]["stadtbezirk"] == "Hörde"
    assert body["places"] and all(place["stufe"] >= 2 for place in body["places"])


def test_unknown_need_is_a_422(client: TestClient) -> None:
    response = client.post("/internal/places/route", json={"need": ["fliegen"]}, headers=AUTH)
    assert response.status_code == 422
    # FastAPI's documented validation shape (a list of errors), as the schema says.
    (error,) = response.json()["detail"]
    assert "unbekannter Bedarf: fliegen" in error["msg"] and error["loc"][-1] == "need"


@pytest.mark.parametrize(
    ("request_body", "stadtbezirk", "ambiguous"),
    [
        ({"text": "Ich wohne in Barop"}, "Hombruch", False),
        ({"text": "Luetgendortmund"}, "Lütgendortmund", False),
        ({"text": "City"}, "Innenstadt-West", True),
        ({"postcode": "44267"}, "Aplerbeck", True),
        ({"text": "keine Ahnung"}, None, False),
    ],
)
def test_resolve(
    client: TestClient, request_body: dict[str, str], stadtbezirk: str | None, ambiguous: bool
) -> None:
    response = client.post("/internal/places/resolve", json=request_body, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["stadtbezirk"] == stadtbezirk
    assert response.json()["ambiguous"] is ambiguous


def test_routing_records_one_pseudonymous_demand_event(client: TestClient) -> None:
    from sqlalchemy import select

    from helpdesk.analytics.models import DemandEvent
    from helpdesk.conversations.service import get_or_create_conversation

    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        pseudonym = get_or_create_conversation(
            session, channel="sms", address="+491701234567", keys=keyring("pseudonym-test-key")
        ).pseudonym
    ask = {"text": "Ich will einen Kurs machen", "stadtbezirk": "Eving", "sender": pseudonym}
    assert client.post("/internal/places/route", json=ask, headers=AUTH).status_code == 200
    more = {**ask, "offset": 2}  # "andere Orte" is the same request: not counted again
    assert client.post("/internal/places/route", json=more, headers=AUTH).status_code == 200
    stranger = {**ask, "sender": "not-a-conversation"}
    assert client.post("/internal/places/route", json=stranger, headers=AUTH).status_code == 200
    with db.read_session() as session:
        events = session.execute(
            select(
                DemandEvent.channel,
                DemandEvent.outcome,
                DemandEvent.stadtbezirk,
                DemandEvent.level_needed,
                DemandEvent.place_id,
                DemandEvent.conversation_ref,
            )
        ).all()
    assert len(events) == 1
    channel, outcome, district, level, place_id, ref = events[0]
    assert (channel, outcome, district) == ("sms", "routed", "Eving")
    assert level is not None and level >= 2  # a course needs Stufe >= 2
    assert place_id is not None
    assert ref not in (pseudonym, "+491701234567")


def test_details_answer_a_follow_up_about_the_places_shown(client: TestClient) -> None:
    routed = client.post(
        "/internal/places/route", json={"stadtbezirk": "Hörde", "limit": 2}, headers=AUTH
    ).json()
    keys = [place["key"] for place in routed["places"]]
    body = client.post(
        "/internal/places/details",
        json={"keys": keys, "question": "Und wann haben die offen?"},
        headers=AUTH,
    ).json()
    assert body["aspects"] == ["hours"]
    names = [place["name"] for place in routed["places"]]
    assert [line.split(":")[0] for line in body["lines"][:2]] == names
    assert client.post("/internal/places/details", json={"keys": []}).status_code == 401
