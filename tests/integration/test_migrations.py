"""Alembic migrations: a full round trip, and the models match the migrated schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from helpdesk import migrate
from helpdesk.db import Base
from tests.conftest import create_postgres_database, drop_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin)
    yield url
    drop_postgres_database(admin, url)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == set(Base.metadata.tables)
    migrate.downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == set(Base.metadata.tables)


def test_models_and_migrations_agree(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"
