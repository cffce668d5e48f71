"""Shared fixtures: real databases (SQLite and PostgreSQL), migrated by Alembic."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from helpdesk import migrate
from helpdesk.db import Base, Database
from helpdesk.staff import passwords

# Staff passwords are hashed cheaply in tests (argon2id t=1, 1 MiB instead of t=3,
# 64 MiB): the suite signs in thousands of times. The app processes the tests start
# inherit it; tests of the standard cost switch to it themselves.
os.environ.setdefault("DIODO_PASSWORD_HASH_COST", "test")
passwords.use_cost(os.environ["DIODO_PASSWORD_HASH_COST"])

POSTGRES_ADMIN_URL = os.environ.get(
    "DIODO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_reachable() -> bool:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def _start_local_postgres() -> None:
    """Start the machine's PostgreSQL cluster if it is installed but stopped."""
    clusters = Path("/etc/postgresql")
    if not clusters.is_dir():
        return
    for version in sorted(p.name for p in clusters.iterdir()):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server (started if needed)."""
    if not _postgres_reachable():
        _start_local_postgres()
    if not _postgres_reachable():
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}. Start it, or point "
            "DIODO_TEST_POSTGRES_URL at a server where this user may create databases."
        )
    return POSTGRES_ADMIN_URL


def create_postgres_database(admin_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    name = f"diodo_test_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_postgres_database``."""
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database per backend, shared by the tests of this session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'diodo.db'}"
        migrate.upgrade(url)
        yield url
        return
    admin = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin)
    migrate.upgrade(url)
    yield url
    drop_postgres_database(admin, url)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The migrated database, emptied after each test."""
    database = Database(database_url)
    yield database
    with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    database.dispose()
