"""Telegram webhook mode: registered with a secret token, which every update must carry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from helpdesk.conversations.models import InboundMessage
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.settings import Settings
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port as _closed_port

SECRET = "webhook-secret_123"
PATH = "/telegram/webhook"


@pytest.fixture
def client(tmp_path: Path, fake_telegram: FakeTelegram) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        rasa_url=f"http://127.0.0.1:{_closed_port()}",
        actions_url=f"http://127.0.0.1:{_closed_port()}",
        internal_api_token=SecretStr("t"),
        pseudonym_key=SecretStr("k"),
        **SETTINGS_KEYS,
        public_url="https://diodo.example.org",
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=fake_telegram.base_url,
        telegram_webhook_secret=SecretStr(SECRET),
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _update(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 7, "type": "private"},
            "text": "Hallo",
        },
    }


def _stored(client: TestClient) -> list[str]:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    with db.read_session() as session:
        return list(session.scalars(select(InboundMessage.channel_message_id)))


def test_webhook_is_registered_with_the_public_url(
    client: TestClient, fake_telegram: FakeTelegram
) -> None:
    deadline = time.monotonic() + 5
    while not fake_telegram.webhook_url:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert fake_telegram.webhook_url == "https://diodo.example.org/telegram/webhook"
    assert "getUpdates" not in fake_telegram.calls


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
def test_webhook_without_the_secret_token_is_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.post(PATH, json=_update(1), headers=headers)
    assert response.status_code == 403
    assert _stored(client) == []


def test_webhook_update_is_stored_once_before_the_200(client: TestClient) -> None:
    for _ in range(5):
        response = client.post(
            PATH, json=_update(31), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status_code == 200
    assert _stored(client) == ["u31"]
