"""``GET /metrics`` through the app (lifespan, real database, a fake Rasa)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from helpdesk.conversations.models import Conversation, OutboundMessage
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.tickets.models import OPEN_STATES, Ticket, TicketState
from tests.fakes.rasa import FakeRasa, running_fake_rasa
from tests.integration.tickets.factory import add_conversation, add_place
from tests.keys import SETTINGS_KEYS

METRICS_TOKEN = "metrics-test-token-0123456789"
SCRAPER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _settings(database_url: str, rasa_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "rasa_url": rasa_url,
        "actions_url": rasa_url,
        "internal_api_token": SecretStr("internal-test-token"),
        "pseudonym_key": SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        "knowledge_semantic": False,
        "places_seed_example_data": False,
        "poll_interval_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "metrics_token": SecretStr(METRICS_TOKEN),
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture
def client(db: Database, database_url: str, rasa: FakeRasa) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(database_url, rasa.url))) as test_client:
        yield test_client


def scrape(client: TestClient) -> Samples:
    """Every sample of one scrape, parsed by prometheus_client's own parser."""
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (which must exist)."""
    wanted = set(labels.items())
    matches = [v for (n, ls), v in samples.items() if n == name and wanted <= ls]
    assert matches, f"no sample {name} {labels}"
    return sum(matches)


def turns(samples: Samples, **labels: str) -> float:
    """Finished turns; a histogram's series appear with its first observation."""
    wanted = set(labels.items())
    name = "diodo_turn_duration_seconds_count"
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def _until(client: TestClient, check: Callable[[Samples], bool], timeout: float = 15) -> Samples:
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(client)
        if check(samples):
            return samples
        assert time.monotonic() < deadline, "metrics did not reach the expected values"
        time.sleep(0.1)


def _chat(client: TestClient) -> dict[str, str]:
    session_id = client.post("/api/webchat/sessions").json()["session_id"]
    return {"Authorization": f"Bearer {session_id}"}


def _send(client: TestClient, auth: dict[str, str], text: str, message_id: str) -> None:
    sent = client.post(
        "/api/webchat/messages", json={"text": text, "client_message_id": message_id}, headers=auth
    )
    assert sent.status_code == 202


def _waiting(samples: Samples) -> float:
    return value(samples, "diodo_inbox_messages", channel="web")


def test_metrics_need_the_metrics_token(client: TestClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-wrong-token"},
        {"Authorization": f"Basic {METRICS_TOKEN}"},
        {"Authorization": "Bearer internal-test-token"},  # another secret is not this one
    ):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "diodo_" not in response.text
    assert client.get("/metrics", headers=SCRAPER).status_code == 200


def test_metrics_are_off_without_a_token_and_never_in_the_api_schema(
    db: Database, database_url: str, rasa: FakeRasa, client: TestClient
) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]
    off = _settings(database_url, rasa.url, metrics_token=SecretStr(""))
    with TestClient(create_app(off)) as off_client:
        assert off_client.get("/metrics").status_code == 404
        assert off_client.get("/metrics", headers=SCRAPER).status_code == 404


def test_a_short_metrics_token_is_refused_at_start(database_url: str) -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        _settings(database_url, "http://127.0.0.1:9", metrics_token=SecretStr("short"))


def test_queue_rasa_and_delivery_figures_follow_a_conversation(
    client: TestClient, rasa: FakeRasa
) -> None:
    before = scrape(client)
    assert value(before, "diodo_rasa_up") == 1
    assert value(before, "diodo_actions_up") == 1
    assert value(before, "diodo_database_up") == 1
    assert value(before, "diodo_database_size_bytes") > 0
    assert _waiting(before) == 0
    assert value(before, "diodo_inbox_oldest_waiting_seconds", channel="web") == 0
    assert value(before, "diodo_deliveries_total", channel="web", result="sent") == 0
    assert value(before, "process_resident_memory_bytes") > 0

    rasa.up = False
    auth = _chat(client)
    _send(client, auth, "Wie mache ich ein Foto?", "q1")
    down = _until(
        client,
        lambda s: (
            value(s, "diodo_deliveries_total", channel="web", result="sent") == 1
            and value(s, "diodo_turn_retries_total", channel="web", reason="assistant_unavailable")
            >= 1
        ),
    )
    assert value(down, "diodo_rasa_up") == 0
    assert value(down, "diodo_actions_up") == 0
    assert _waiting(down) == 1  # the question waits; only the holding reply went out
    assert value(down, "diodo_inbox_oldest_waiting_seconds", channel="web") > 0

    rasa.up = True
    assert turns(down) == 0
    up = _until(client, lambda s: turns(s) == 1 and _waiting(s) == 0)
    assert value(up, "diodo_rasa_up") == 1
    assert _waiting(up) == 0
    assert value(up, "diodo_inbox_oldest_waiting_seconds", channel="web") == 0
    assert turns(up, channel="web", outcome="bot") == 1
    assert value(up, "diodo_turn_duration_seconds_sum", channel="web", outcome="bot") > 0
    # One scrape is not atomic: the database may be read just before a row is marked sent.
    final = _until(
        client,
        lambda s: (
            value(s, "diodo_deliveries_total", channel="web", result="sent") == 2
            and value(s, "diodo_outbox_messages", channel="web") == 0
        ),
    )
    assert value(final, "diodo_deliveries_total", result="permanent") == 0


def test_outbox_rows_without_a_sender_show_as_waiting(client: TestClient, db: Database) -> None:
    """SMS is not configured in this app, so its outbox rows wait (as if Twilio hung)."""
    with db.session() as session:
        sms = add_conversation(session, "+491701234567", "sms")
        session.add(OutboundMessage(conversation_id=sms.id, channel="sms", text="Antwort"))
    samples = _until(
        client, lambda s: value(s, "diodo_outbox_messages", channel="sms", status="pending") == 1
    )
    assert value(samples, "diodo_outbox_oldest_waiting_seconds", channel="sms") >= 0
    assert value(samples, "diodo_outbox_messages", channel="web") == 0


ALLOWED_LABELS = {
    "channel": {"web", "sms", "telegram", "other"},
    "status": {"pending", "processing", "sending"},
    "outcome": {"bot", "app", "helpdesk", "apology"},
    "result": {"sent", "retry", "permanent"},
    "reason": {"assistant_unavailable", "claim_lost", "other"},
    "state": {str(s) for s in OPEN_STATES},
}


def test_no_personal_data_in_metric_labels_or_text(
    client: TestClient, db: Database, rasa: FakeRasa
) -> None:
    secret_text = "Meine Nummer ist +49 170 1234567, bitte Rückruf wegen Zitronenkuchen"
    auth = _chat(client)
    _send(client, auth, secret_text, "secret")
    with db.session() as session:
        place = add_place(session, "library")
        session.add(Ticket(place_id=place, state=TicketState.NEU, summary=secret_text))
    samples = _until(client, lambda s: value(s, "diodo_deliveries_total", result="sent") >= 1)
    with db.read_session() as session:
        pseudonym = session.scalars(select(Conversation.pseudonym)).one()
    body = client.get("/metrics", headers=SCRAPER).text
    session_id = auth["Authorization"].removeprefix("Bearer ")
    for personal in ("1701234567", "170 1234567", "Zitronenkuchen", session_id, pseudonym):
        assert personal not in body
    for (_name, labels), _value in samples.items():
        for label, label_value in labels:
            if label == "le":
                float(label_value)  # a histogram bucket bound
            elif label == "place_id":
                assert label_value in ("", str(place))
            elif label == "place":
                assert label_value in ("zentral", "Ort library")
            else:
                assert label_value in ALLOWED_LABELS[label], (label, label_value)


def test_each_process_reports_the_shared_queue_but_counts_only_its_own_work(
    db: Database, database_url: str, rasa: FakeRasa
) -> None:
    """Several app processes on one database: what Prometheus scrapes from each."""
    rasa.up = False
    settings = _settings(database_url, rasa.url, single_process=False)
    with ExitStack() as stack:
        first = stack.enter_context(TestClient(create_app(settings)))
        second = stack.enter_context(TestClient(create_app(settings)))
        auth = _chat(first)
        for number in range(3):
            _send(first, auth, f"Frage {number}", f"q{number}")
        _until(first, lambda s: _waiting(s) == 3)
        assert _waiting(_until(second, lambda s: _waiting(s) == 3)) == 3
        rasa.up = True
        _until(first, lambda s: _waiting(s) == 0)
        _until(second, lambda s: _waiting(s) == 0)

        def counted() -> float:
            return sum(turns(scrape(c), channel="web") for c in (first, second))

        deadline = time.monotonic() + 5  # a turn is counted just after its commit
        while counted() < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert counted() == 3  # each turn counted once, by the process that did it
