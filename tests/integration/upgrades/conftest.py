"""Empty databases on both backends, and the keys in the environment (migrations 0007 and
0009 read them from the settings, as `diodo db upgrade` does)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.keys import ENV_KEYS

NewDatabase = Callable[[str], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[NewDatabase]:
    """Makes empty databases of the test's backend (dropped afterwards)."""
    made: list[tuple[str, str]] = []

    def make(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / name}.db"
        admin = request.getfixturevalue("postgres_server")
        url = create_postgres_database(admin)
        made.append((admin, url))
        return url

    yield make
    for admin, url in made:
        drop_postgres_database(admin, url)


@pytest.fixture(autouse=True)
def key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DIODO_PSEUDONYM_KEY", "k")
