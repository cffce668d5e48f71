"""Fixtures for the staff UI: the app on a real database, a client over https."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from helpdesk.db import Database, utcnow
from helpdesk.main import create_app
from helpdesk.settings import Settings
from helpdesk.staff.deps import get_clock
from tests.keys import SETTINGS_KEYS
from tests.ports import closed_port as _closed_port


class Clock:
    """A clock the tests move forward."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{_closed_port()}",
        actions_url=f"http://127.0.0.1:{_closed_port()}",
        internal_api_token=SecretStr("internal-test-token"),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        **SETTINGS_KEYS,
        knowledge_semantic=False,
        places_seed_example_data=False,
        poll_interval_seconds=0.05,
    )


@pytest.fixture
def client(db: Database, staff_settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """The app with its lifespan; the session cookie is Secure, so the client uses https."""
    app = create_app(staff_settings)
    app.dependency_overrides[get_clock] = lambda: clock
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
