"""The web chat API through the test client (app lifespan, real database, Rasa absent)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.texts import text
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port as _closed_port

TOKEN = "internal-test-token"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        rasa_url=f"http://127.0.0.1:{_closed_port()}",
        actions_url=f"http://127.0.0.1:{_closed_port()}",
        internal_api_token=SecretStr(TOKEN),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        retry_max_seconds=0.2,
        poll_interval_seconds=0.05,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _session(client: TestClient) -> str:
    response = client.post("/api/webchat/sessions")
    assert response.status_code == 201
    return str(response.json()["session_id"])


def _auth(session_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_id}"}


MESSAGES = "/api/webchat/messages"
REPLIES = "/api/webchat/replies"


def test_chat_page_is_german_and_loads_nothing_from_other_hosts(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="de"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static/chat.js").status_code == 200


def test_empty_message_gets_a_clear_german_422(client: TestClient) -> None:
    session_id = _session(client)
    response = client.post(MESSAGES, json={"text": " \u0000\n\t "}, headers=_auth(session_id))
    assert response.status_code == 422
    assert response.json()["detail"] == text("web_invalid_empty")


def test_too_long_message_is_refused(client: TestClient) -> None:
    session_id = _session(client)
    response = client.post(MESSAGES, json={"text": "a" * 2001}, headers=_auth(session_id))
    assert response.status_code == 422
    assert "2000" in response.json()["detail"]


def test_huge_body_is_refused_before_it_is_read(client: TestClient) -> None:
    session_id = _session(client)
    response = client.post(
        MESSAGES,
        content=b'{"text": "' + b"x" * 200_000 + b'"}',
        headers={"content-type": "application/json", **_auth(session_id)},
    )
    assert response.status_code == 413


def test_malformed_json_and_binary_are_422(client: TestClient) -> None:
    auth = _auth(_session(client))
    binary = {"content-type": "application/json", **auth}
    assert client.post(MESSAGES, content=b"\xff\xfe\x00garbage", headers=binary).status_code == 422
    assert client.post(MESSAGES, json={"text": 42}, headers=auth).status_code == 422
    bad_id = {"text": "hi", "client_message_id": "../etc"}
    assert client.post(MESSAGES, json=bad_id, headers=auth).status_code == 422


def test_unknown_session_is_404(client: TestClient) -> None:
    unknown = _auth("x" * 32)
    response = client.post(MESSAGES, json={"text": "Hallo"}, headers=unknown)
    assert response.status_code == 404
    assert client.get(REPLIES, headers=unknown).status_code == 404
    assert client.get("/api/webchat/sessions/short/replies").status_code == 422


def test_missing_or_malformed_session_header_is_401(client: TestClient) -> None:
    """Hardening finding 5: the session id is a bearer secret in a header."""
    for headers in ({}, _auth("short"), {"Authorization": "Basic " + "x" * 32}):
        response = client.post(MESSAGES, json={"text": "Hallo"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert client.get(REPLIES, headers=headers).status_code == 401


def test_same_client_message_id_is_accepted_twice_but_stored_once(client: TestClient) -> None:
    auth = _auth(_session(client))
    first = client.post(MESSAGES, json={"text": "Hallo", "client_message_id": "abc"}, headers=auth)
    second = client.post(MESSAGES, json={"text": "Hallo", "client_message_id": "abc"}, headers=auth)
    assert first.status_code == second.status_code == 202
    assert first.json() == {"message_id": "abc", "duplicate": False}
    assert second.json() == {"message_id": "abc", "duplicate": True}


def test_with_rasa_unreachable_the_citizen_gets_one_holding_reply(client: TestClient) -> None:
    auth = _auth(_session(client))
    question = {"text": "Wie mache ich ein Foto?", "client_message_id": "q1"}
    client.post(MESSAGES, json=question, headers=auth)
    client.post(MESSAGES, json={"text": "Hallo?", "client_message_id": "q2"}, headers=auth)
    replies = client.get(REPLIES, params={"wait": 10}, headers=auth).json()
    assert [r["text"] for r in replies["replies"]] == [text("holding_reply")]
    assert replies["replies"][0]["in_reply_to"] is None
    time.sleep(1.0)  # several retries happen meanwhile; none may add another holding reply
    later = client.get(REPLIES, params={"after": replies["cursor"]}, headers=auth).json()
    assert later["replies"] == []


def test_health_reports_rasa_and_actions_down(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body == {"status": "degraded", "database": "ok", "rasa": "down", "actions": "down"}


def test_internal_api_needs_the_shared_token(client: TestClient) -> None:
    url = "/internal/knowledge/search"
    assert client.post(url, json={"query": "Foto"}).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert client.post(url, json={"query": "Foto"}, headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {TOKEN}"}
    response = client.post(
        url, json={"query": "wie mache ich ein foto mit dem handy"}, headers=right
    )
    assert response.status_code == 200
    best = response.json()["results"][0]
    assert best["confident"] is True
    assert "Foto" in best["title"]


def test_openapi_documents_the_web_chat_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert paths["/api/webchat/messages"]["post"]["security"] == [{"WebChatSession": []}]
    assert paths["/api/webchat/replies"]["get"]["security"] == [{"WebChatSession": []}]
    assert schema["components"]["securitySchemes"]["WebChatSession"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["WebChatSession"]["description"],
    }
    assert "429" in paths["/api/webchat/messages"]["post"]["responses"]
    # The old form is still there for one release, marked deprecated.
    assert paths["/api/webchat/sessions/{session_id}/messages"]["post"]["deprecated"] is True
    assert paths["/api/webchat/sessions/{session_id}/replies"]["get"]["deprecated"] is True


def test_an_absurd_reply_cursor_is_a_422_not_a_500(client: TestClient) -> None:
    """Hardening finding 4."""
    auth = _auth(_session(client))
    for after in (2**31, 2**63, 2**64):
        response = client.get(REPLIES, params={"after": after}, headers=auth)
        assert response.status_code == 422


def test_the_deprecated_path_form_answers_the_same_with_deprecation_headers(
    client: TestClient,
) -> None:
    """Hardening finding 5: the old form still works for one release, marked deprecated."""
    session_id = _session(client)
    old = f"/api/webchat/sessions/{session_id}"
    sent = client.post(f"{old}/messages", json={"text": "Hallo", "client_message_id": "m1"})
    assert sent.status_code == 202
    assert sent.json() == {"message_id": "m1", "duplicate": False}
    repeat = {"text": "Hallo", "client_message_id": "m1"}
    again = client.post(MESSAGES, json=repeat, headers=_auth(session_id))
    assert again.json() == {"message_id": "m1", "duplicate": True}  # one conversation
    polled = client.get(f"{old}/replies", params={"wait": 10})
    assert polled.status_code == 200
    assert polled.json() == client.get(REPLIES, headers=_auth(session_id)).json()
    unknown = client.get("/api/webchat/sessions/" + "y" * 32 + "/replies")
    malformed = client.post(f"{old}/messages", json={"text": 42})
    assert (unknown.status_code, malformed.status_code) == (404, 422)
    for response in (sent, polled, unknown, malformed):
        assert response.headers["Deprecation"].startswith("@")
        assert response.headers["Sunset"].endswith(" GMT")
        assert 'rel="successor-version"' in response.headers["Link"]
    new = client.post(MESSAGES, json={"text": "Hallo"}, headers=_auth(session_id))
    assert "Deprecation" not in new.headers and "Sunset" not in new.headers
