"""Abuse limits of the web chat (hardening finding 3), through the test client, on SQLite
and PostgreSQL: per session, per client address, new sessions, open long polls, and all
of them shared by two app instances on one database. Rasa is absent (closed port)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr
from sqlalchemy import func, select

from helpdesk.channels.limits import OpenPoll
from helpdesk.conversations.models import (
    Contact,
    Conversation,
    InboundMessage,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.texts import text
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port

PROXY = "192.0.2.1"  # the test client's address, a trusted reverse proxy
LIBRARY = {"X-Forwarded-For": "198.51.100.10"}  # one public address, many citizens
ELSEWHERE = {"X-Forwarded-For": "203.0.113.20"}


def limit_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "rasa_url": f"http://127.0.0.1:{closed_port()}",
        "actions_url": f"http://127.0.0.1:{closed_port()}",
        "rasa_tracker_url": "",
        "internal_api_token": SecretStr("internal-test-token"),
        "pseudonym_key": SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        "single_process": False,
        "knowledge_semantic": False,
        "places_seed_example_data": False,
        "retry_max_seconds": 0.2,
        "poll_interval_seconds": 0.05,
        "trusted_proxies": PROXY,
        "webchat_message_burst": 3,
        "webchat_message_interval_seconds": 600,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def clients(db: Database, database_url: str) -> Iterator[list[TestClient]]:
    """Two app instances on the same database (``db`` empties it afterwards)."""
    settings = limit_settings(
        database_url,
        webchat_address_message_burst=5,
        webchat_address_message_interval_seconds=600,
        webchat_session_burst=4,
        webchat_session_interval_seconds=600,
        webchat_max_polls_per_session=1,
        webchat_max_polls_per_address=2,
    )
    with ExitStack() as stack:
        yield [
            stack.enter_context(TestClient(create_app(settings), client=(PROXY, 50000)))
            for _ in range(2)
        ]


def _session(client: TestClient, headers: dict[str, str] = LIBRARY) -> dict[str, str]:
    response = client.post("/api/webchat/sessions", headers=headers)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['session_id']}", **headers}


def _post(client: TestClient, auth: dict[str, str], message_id: str) -> Response:
    body = {"text": f"Frage {message_id}", "client_message_id": message_id}
    return client.post("/api/webchat/messages", json=body, headers=auth)


def _stored(db: Database) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)) or 0


def _refused(response: Response, text_key: str) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {"detail": text(text_key)}
    assert int(response.headers["Retry-After"]) >= 1


def test_messages_beyond_the_session_burst_get_a_polite_429_and_are_not_stored(
    clients: list[TestClient], db: Database
) -> None:
    client = clients[0]
    citizen = _session(client)
    assert [_post(client, citizen, f"m{n}").status_code for n in range(3)] == [202] * 3
    _refused(_post(client, citizen, "m3"), "limit_web_messages")
    assert _stored(db) == 3
    # The browser re-sending an accepted message is answered as before, not counted.
    assert _post(client, citizen, "m0").json() == {"message_id": "m0", "duplicate": True}
    # Another citizen at the same address writes on.
    other = _session(client)
    assert _post(client, other, "o0").status_code == 202
    assert _stored(db) == 4


def test_sessions_of_one_address_share_its_message_limit_and_other_addresses_do_not(
    clients: list[TestClient], db: Database
) -> None:
    client = clients[0]
    first, second = _session(client), _session(client)
    for n in range(3):
        assert _post(client, first, f"a{n}").status_code == 202
    assert _post(client, second, "b0").status_code == 202
    assert _post(client, second, "b1").status_code == 202
    _refused(_post(client, second, "b2"), "limit_web_messages")
    elsewhere = _session(client, ELSEWHERE)
    assert _post(client, elsewhere, "c0").status_code == 202
    assert _stored(db) == 6


def test_new_sessions_beyond_the_address_burst_get_a_polite_429(
    clients: list[TestClient], db: Database
) -> None:
    client = clients[0]
    for _ in range(4):
        _session(client)
    _refused(client.post("/api/webchat/sessions", headers=LIBRARY), "limit_web_sessions")
    _session(client, ELSEWHERE)
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 5


def _open_polls(db: Database) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(OpenPoll)) or 0


def _long_poll(pool: ThreadPoolExecutor, client: TestClient, auth: dict[str, str]) -> Future[int]:
    """A poll that waits (after the replies there are already, such as a holding reply)
    until :func:`_answer_everyone` ends it; its 25 s (the most allowed) are far beyond
    a slow machine's step."""
    cursor = client.get("/api/webchat/replies", headers=auth).json()["cursor"]
    params = {"after": cursor, "wait": 25}
    return pool.submit(
        lambda: client.get("/api/webchat/replies", params=params, headers=auth).status_code
    )


def _answer_everyone(db: Database) -> None:
    """A delivered reply in every conversation: each waiting poll returns with it."""
    now = datetime.now(UTC)
    with db.session() as session:
        for conversation in session.scalars(select(Conversation)):
            session.add(
                OutboundMessage(
                    conversation_id=conversation.id,
                    channel=conversation.channel,
                    text="Antwort",
                    status=OutboundStatus.SENT,
                    sent_at=now,
                )
            )


def _until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_open_long_polls_are_limited_per_session_and_per_address(
    clients: list[TestClient], db: Database
) -> None:
    client = clients[0]
    first, second, third = _session(client), _session(client), _session(client)
    with ThreadPoolExecutor(2) as pool:
        waiting = [_long_poll(pool, client, first)]
        _until(lambda: _open_polls(db) == 1)
        again = client.get("/api/webchat/replies", params={"wait": 1}, headers=first)
        _refused(again, "limit_web_polls")
        # A look without waiting is no open poll.
        assert client.get("/api/webchat/replies", headers=first).status_code == 200
        waiting.append(_long_poll(pool, client, second))
        _until(lambda: _open_polls(db) == 2)
        crowded = client.get("/api/webchat/replies", params={"wait": 1}, headers=third)
        _refused(crowded, "limit_web_polls")
        assert client.get("/api/webchat/replies", headers=third).status_code == 200
        _answer_everyone(db)
        assert [future.result() for future in waiting] == [200, 200]
    assert _open_polls(db) == 0
    again = client.get("/api/webchat/replies", params={"wait": 0.2}, headers=first)
    assert again.status_code == 200


def test_limits_hold_across_two_app_instances_on_one_database(
    clients: list[TestClient], db: Database
) -> None:
    one, two = clients
    citizen = _session(one)
    assert _post(one, citizen, "m0").status_code == 202
    assert _post(two, citizen, "m1").status_code == 202
    assert _post(one, citizen, "m2").status_code == 202
    _refused(_post(two, citizen, "m3"), "limit_web_messages")
    _session(two)
    _session(one)
    _session(two)
    _refused(one.post("/api/webchat/sessions", headers=LIBRARY), "limit_web_sessions")
    # A session without messages: no holding reply or apology can end its poll early.
    quiet = _session(two, ELSEWHERE)
    with ThreadPoolExecutor(1) as pool:
        waiting = _long_poll(pool, one, quiet)
        _until(lambda: _open_polls(db) == 1)
        crowded = {"wait": 1}
        _refused(two.get("/api/webchat/replies", params=crowded, headers=quiet), "limit_web_polls")
        _answer_everyone(db)
        assert waiting.result() == 200
    assert _stored(db) == 3


def test_an_interval_of_zero_switches_a_limit_off_even_when_clocks_cross(db: Database) -> None:
    """Benches and tests set interval 0: two requests whose clocks were read in the
    other order than they took the lock must not see a "full" bucket."""
    from datetime import timedelta

    from helpdesk.channels.limits import Rate, take

    off = Rate.of(1, 0)
    later = datetime(2026, 12, 2, 12, 0, 0, 5, tzinfo=UTC)
    with db.session() as session:
        assert take(session, [("k", off)], now=later).allowed
        for step in range(1, 4):
            earlier = later - timedelta(microseconds=step)
            assert take(session, [("k", off)], now=earlier).allowed
    on = Rate.of(1, 3)
    with db.session() as session:
        assert take(session, [("j", on)], now=later).allowed
        assert not take(session, [("j", on)], now=later).allowed
