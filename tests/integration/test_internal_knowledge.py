"""The internal knowledge API in the running app: verdicts, articles by id, feedback,
unanswered questions, and articles edited on disk while the app runs."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.knowledge import service
from helpdesk.main import create_app
from helpdesk.settings import Settings
from knowledge import default_articles_dir
from tests.keys import SETTINGS_KEYS, keyring
from tests.ports import closed_port as _closed_port
from tests.unit.knowledge.factory import article_text

TOKEN = "internal-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A copy of the shipped articles that the test may edit."""
    return Path(shutil.copytree(default_articles_dir(), tmp_path / "articles"))


@pytest.fixture
def client(tmp_path: Path, articles: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        rasa_url=f"http://127.0.0.1:{_closed_port()}",
        actions_url=f"http://127.0.0.1:{_closed_port()}",
        internal_api_token=SecretStr(TOKEN),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        knowledge_dir=articles,
        places_seed_example_data=False,
    )
    with TestClient(create_app(settings)) as test_client:
        test_client.app.state.knowledge.wait_until_ready(120)  # type: ignore[attr-defined]
        yield test_client


def ask(client: TestClient, question: str, *, record: bool = True) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/internal/knowledge/search",
        json={"query": question, "record_unanswered": record},
        headers=AUTH,
    )
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def unanswered(client: TestClient) -> list[tuple[str, int]]:
    with client.app.state.db.read_session() as session:  # type: ignore[attr-defined]
        return [(row.question, row.count) for row in service.list_unanswered(session)]


def test_the_api_needs_the_token(client: TestClient) -> None:
    for path in ("search", "article", "feedback"):
        assert client.post(f"/internal/knowledge/{path}", json={}).status_code == 401


def test_a_clear_question_is_answered_with_every_form_of_the_article(client: TestClient) -> None:
    body = ask(client, "wie komme ich mit dem handy ins wlan")
    assert body["outcome"] == "answer"
    best = body["results"][0]
    assert best["id"] == "wlan-verbinden" and best["confident"]
    assert best["sms"].startswith("WLAN verbinden") and "Router" in best["easy"]
    assert unanswered(client) == []


def test_an_unanswerable_question_is_none_and_recorded_without_personal_data(
    client: TestClient,
) -> None:
    body = ask(client, "Wie entkalke ich meine Kaffeemaschine? Mein Name ist Horst, 0231 555666")
    assert body["outcome"] == "none"
    ask(client, "wie entkalke ich meine kaffeemaschine? mein name ist Jens, 0171 999888")
    assert unanswered(client) == [
        ("wie entkalke ich meine kaffeemaschine? mein name ist [name], [telefon]", 2)
    ]


def test_searches_that_are_not_a_citizen_asking_record_nothing(client: TestClient) -> None:
    assert ask(client, "wie entkalke ich meine kaffeemaschine", record=False)["outcome"] == "none"
    assert unanswered(client) == []


def test_an_unsure_question_offers_likely_articles_as_choices(client: TestClient) -> None:
    body = ask(client, "reklame im postfach")
    assert body["outcome"] == "choices"
    assert len(body["results"]) >= 2
    assert not any(hit["confident"] for hit in body["results"])
    assert unanswered(client) == []


def test_article_by_id_and_unknown_ids(client: TestClient) -> None:
    found = client.post("/internal/knowledge/article", json={"id": "wlan-verbinden"}, headers=AUTH)
    assert found.json()["article"]["title"] == "Das Handy mit dem WLAN verbinden"
    missing = client.post("/internal/knowledge/article", json={"id": "gibt-es-nicht"}, headers=AUTH)
    assert missing.json() == {"article": None}


def test_feedback_is_counted_for_known_articles_only(client: TestClient) -> None:
    def send(article_id: str, helpful: bool) -> dict:  # type: ignore[type-arg]
        return client.post(
            "/internal/knowledge/feedback",
            json={"article_id": article_id, "helpful": helpful, "channel": "telegram"},
            headers=AUTH,
        ).json()

    assert send("wlan-verbinden", True) == {"recorded": True}
    assert send("wlan-verbinden", False) == {"recorded": True}
    assert send("gibt-es-nicht", True) == {"recorded": False}
    bad = client.post(
        "/internal/knowledge/feedback",
        json={"article_id": "../etc", "helpful": True, "channel": "web"},
        headers=AUTH,
    )
    assert bad.status_code == 422
    with client.app.state.db.read_session() as session:  # type: ignore[attr-defined]
        assert service.feedback_counts(session) == {"wlan-verbinden": (1, 1)}


def test_an_article_added_or_edited_on_disk_answers_the_next_question(
    client: TestClient, articles: Path
) -> None:
    question = "Wie entkalke ich meine Kaffeemaschine?"
    assert ask(client, question, record=False)["outcome"] == "none"
    (articles / "kaffeemaschine-entkalken.md").write_text(
        article_text(
            "kaffeemaschine-entkalken",
            title="Die Kaffeemaschine entkalken",
            topic="haushalt",
            questions=[
                "Wie entkalke ich meine Kaffeemaschine?",
                "kaffeemaschine verkalkt was tun",
                "die kaffeemaschine tropft nur noch",
                "Kaffeemaschine macht komische Geräusche",
                "kaffeemaschine entkalken",
            ],
        ),
        encoding="utf-8",
    )
    started = time.monotonic()
    body = ask(client, question, record=False)
    added = time.monotonic() - started
    assert body["outcome"] == "answer"
    assert body["results"][0]["id"] == "kaffeemaschine-entkalken"

    wlan = articles / "wlan-verbinden.md"
    wlan.write_text(
        wlan.read_text(encoding="utf-8").replace(
            "WLAN ist Internet ohne Kabel. Zu Hause", "NEU: WLAN ist Internet ohne Kabel. Zu Hause"
        ),
        encoding="utf-8",
    )
    started = time.monotonic()
    body = ask(client, "wie komme ich mit dem handy ins wlan", record=False)
    edited = time.monotonic() - started
    assert body["results"][0]["answer"].startswith("NEU: WLAN ist Internet ohne Kabel.")
    # Issue 3: <= 1 s for 100 articles. Generous here: the test machine is shared.
    assert added < 3.0 and edited < 3.0, (added, edited)


def test_questions_and_feedback_become_pseudonymous_demand_events(client: TestClient) -> None:
    from sqlalchemy import select

    from helpdesk.analytics.models import DemandEvent
    from helpdesk.conversations.service import get_or_create_conversation

    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        sender = get_or_create_conversation(
            session, channel="telegram", address="987654321", keys=keyring("pseudonym-test-key")
        ).pseudonym

    def post(path: str, body: dict) -> None:  # type: ignore[type-arg]
        response = client.post(f"/internal/knowledge/{path}", json=body, headers=AUTH)
        assert response.status_code == 200

    answered = {"query": "Wie mache ich ein Foto mit dem Handy?", "record_unanswered": True}
    post("search", {**answered, "sender": sender, "stadtbezirk": "hörde"})
    kaffeemaschine = {"query": "Wie entkalke ich meine Kaffeemaschine?", "sender": sender}
    post("search", {**kaffeemaschine, "record_unanswered": True})
    post("search", {"query": "Wie mache ich ein Foto?"})  # no sender: no event
    article_id = ask(client, "Wie mache ich ein Foto mit dem Handy?")["results"][0]["id"]
    feedback = {"article_id": article_id, "helpful": True, "channel": "telegram"}
    post("feedback", {**feedback, "sender": sender})
    with db.read_session() as session:
        rows = session.execute(
            select(
                DemandEvent.channel,
                DemandEvent.outcome,
                DemandEvent.stadtbezirk,
                DemandEvent.topic,
                DemandEvent.conversation_ref,
            ).order_by(DemandEvent.id)
        ).all()
    assert [(r.channel, r.outcome) for r in rows] == [
        ("telegram", "answered"),
        ("telegram", "unanswered"),
        ("telegram", "helpful"),
    ]
    assert rows[0].stadtbezirk == "Hörde" and rows[0].topic
    assert len({r.conversation_ref for r in rows}) == 1
    assert rows[0].conversation_ref != sender
    for row in rows:
        assert "Kaffeemaschine" not in str(tuple(row)) and "987654321" not in str(tuple(row))
