"""The chat page tells chat.js when it runs on a kiosk, and how long it may stay idle."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.channels.kiosk import Kiosk, kiosk_for
from helpdesk.main import create_app
from helpdesk.settings import Settings
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port

IDLE = re.compile(r'data-kiosk-idle-seconds="(\d+)"')


def _client(tmp_path: Path, **overrides: Any) -> TestClient:
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
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _client(tmp_path_factory.mktemp("kiosk")) as test_client:
        yield test_client


def _idle_seconds(client: TestClient, query: str) -> int | None:
    page = client.get("/" + query)
    assert page.status_code == 200
    match = IDLE.search(page.text)
    assert (match is None) == ("kiosk-notice" not in page.text)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", None),  # an ordinary visitor's page never clears itself
        ("?idle=5", None),
        ("?kiosk=0", None),
        ("?kiosk=1", 180),
        ("?kiosk=ja&idle=30", 30),
        ("?kiosk=1&idle=99999", 180),  # never longer than the setting
        ("?kiosk=1&idle=0", 2),
        ("?kiosk=1&idle=bald", 180),  # mistyped: ignored, not a 422 for a citizen
        ("?kiosk=1&idle=²", 180),  # a digit to isdigit(), not to int(): was a 500
        # More digits than int() takes: was a 500.
        pytest.param("?kiosk=1&idle=" + "9" * 5000, 180, id="idle-5000-digits"),
    ],
)
def test_kiosk_by_query(client: TestClient, query: str, expected: int | None) -> None:
    assert _idle_seconds(client, query) == expected


def test_kiosk_mode_setting_applies_to_every_visitor() -> None:
    settings = Settings(kiosk_mode=True, kiosk_idle_seconds=120)
    assert kiosk_for(settings, {}) == Kiosk(enabled=True, idle_seconds=120)
    assert kiosk_for(settings, {"idle": "20"}) == Kiosk(enabled=True, idle_seconds=20)
