"""Security headers on every response, and the API docs without a CDN (hardening #6)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.main import create_app
from helpdesk.settings import Settings
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
SESSION = "a" * 24


def _app(tmp_path: Path, **overrides: Any) -> FastAPI:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'diodo.db'}",
        rasa_url=f"http://127.0.0.1:{closed_port()}",
        actions_url=f"http://127.0.0.1:{closed_port()}",
        internal_api_token=SecretStr("internal-test-token"),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,  # type: ignore[arg-type]
        knowledge_semantic=False,
        places_seed_example_data=False,
        rasa_tracker_url="",
        **overrides,
    )
    app = create_app(settings)

    @app.get("/test-boom")
    def boom() -> None:
        raise RuntimeError("boom")

    return app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_secure(response: Any) -> None:
    headers = response.headers
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (response.request.url, name)
    policy = headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}
    assert directives.get("default-src") == ["'self'"], policy
    assert directives.get("script-src") == ["'self'"], policy
    assert directives.get("style-src") == ["'self'"], policy
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert directives.get("object-src") == ["'none'"], policy
    assert "unsafe" not in policy
    permissions = headers.get("permissions-policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, permissions


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/datenschutz", 200),
        ("GET", "/barrierefreiheit", 200),
        ("GET", "/health", 200),
        ("GET", "/static/chat.js", 200),
        ("GET", "/static/gibt-es-nicht.js", 404),
        ("GET", "/docs", 200),
        ("GET", "/docs/assets/swagger-ui-bundle.js", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/staff/login", 200),
        ("GET", "/staff/tickets", 303),
        ("GET", "/staff/api/me", 401),
        ("POST", "/api/webchat/sessions", 201),
        ("GET", f"/api/webchat/sessions/{SESSION}/replies?after=-1", 422),
        ("POST", "/internal/knowledge/search", 401),
        ("GET", "/gibt-es-nicht", 404),
        ("DELETE", "/", 405),
        ("GET", "/test-boom", 500),
    ],
)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code == status, response.text
    assert_secure(response)


def test_oversized_body_is_refused_with_the_security_headers(client: TestClient) -> None:
    response = client.post(
        f"/api/webchat/sessions/{SESSION}/messages",
        content=b"x" * 200_000,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert_secure(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/login"),
        ("GET", "/staff/api/me"),
        ("POST", "/api/webchat/sessions"),
        ("GET", f"/api/webchat/sessions/{SESSION}/replies"),
        ("GET", "/"),
        ("GET", "/test-boom"),
    ],
)
def test_dynamic_responses_are_never_stored(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.headers.get("cache-control") == "no-store", response.status_code


def test_static_files_stay_cacheable(client: TestClient) -> None:
    response = client.get("/static/chat.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers.get("etag")


def test_hsts_only_when_the_app_is_served_over_https(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as plain:
        assert "strict-transport-security" not in plain.get("/health").headers
    https_app = _app(tmp_path, public_url="https://diodo.example.org")
    with TestClient(https_app, base_url="https://testserver") as secure:
        assert secure.get("/health").headers["strict-transport-security"].startswith("max-age=")


_REFERENCE = re.compile(r'\b(?:src|href)="([^"]*)"')


def test_api_docs_load_nothing_from_another_host(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    references = _REFERENCE.findall(page.text)
    assert references, page.text
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        assert client.get(reference).status_code == 200, reference
    assert "http://" not in page.text and "https://" not in page.text
    # No inline script: every <script> element loads a file.
    assert page.text.count("<script") == page.text.count("<script src=")
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/assets/redoc.standalone.js").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_production_serves_no_api_docs(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path, env="production", password_hash_cost="standard")) as client:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui-bundle.js"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert_secure(response)
        assert client.get("/").status_code == 200


def test_diodo_env_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIODO_ENV", "demo")
    assert Settings().env == "demo"
    monkeypatch.setenv("DIODO_ENV", "staging")
    with pytest.raises(ValueError):
        Settings()
