"""Copying one database out and back in: SQLite through its online backup API,
PostgreSQL through ``pg_dump`` / ``pg_restore`` (the client programs must be installed).

Both give a consistent copy while the system runs: SQLite's backup API copies one
snapshot, and ``pg_dump`` runs in the snapshot of an open transaction whose connection
the caller reads the copy's figures through.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

Backend = Literal["sqlite", "postgresql"]
SUFFIX: dict[Backend, str] = {"sqlite": ".sqlite", "postgresql": ".pgdump"}


class StoreError(Exception):
    """A database cannot be copied out or in."""


def backend(url: str) -> Backend:
    """The kind of database at ``url``."""
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        if not make_url(url).database or make_url(url).database == ":memory:":
            raise StoreError("an in-memory SQLite database cannot be backed up")
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise StoreError(f"unsupported database {name!r} (SQLite and PostgreSQL are)")


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    return Path(make_url(url).database or "")


def same_database(a: str, b: str) -> bool:
    """True when both URLs name the same database (the driver may differ)."""
    if backend(a) != backend(b):
        return False
    if backend(a) == "sqlite":
        return sqlite_path(a).resolve() == sqlite_path(b).resolve()
    ua, ub = make_url(a), make_url(b)
    return (ua.host, ua.port or 5432, ua.database) == (ub.host, ub.port or 5432, ub.database)


def safe_url(url: str) -> str:
    """``url`` for printing: never its password."""
    return make_url(url).render_as_string(hide_password=True)


def exists(url: str) -> bool:
    """False for a SQLite file that is not there (nothing is created to find out)."""
    return backend(url) != "sqlite" or sqlite_path(url).is_file()


def _engine(url: str, **kwargs: object) -> Engine:
    if backend(url) == "sqlite":
        return create_engine(url, connect_args={"timeout": 30})
    return create_engine(url, **kwargs)


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table (Alembic's own table left out)."""
    names = sorted(set(inspect(conn).get_table_names()) - {"alembic_version"})
    return {n: int(conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()) for n in names}


def revision(conn: Connection) -> str | None:
    """The Alembic revision of the database, None if it has none."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def counts_of(url: str) -> dict[str, int]:
    """``row_counts`` of the database at ``url``."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return row_counts(conn)
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    """``revision`` of the database at ``url``."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return revision(conn)
    finally:
        engine.dispose()


def is_empty(url: str) -> bool:
    """True when no table of the database holds a row (or the SQLite file is missing)."""
    return not exists(url) or not any(counts_of(url).values())


@contextmanager
def dumped(url: str, dest: Path) -> Iterator[Connection]:
    """Copy the database at ``url`` to ``dest`` and yield a connection that sees exactly
    what was copied (to count rows, read the revision, check the keys)."""
    if backend(url) == "sqlite":
        _sqlite_copy(sqlite_path(url), dest, self_contained=True)
        engine = _engine(f"sqlite:///{dest}")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()
        return
    engine = _engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _pg("pg_dump", ["--format=custom", f"--snapshot={snapshot}", "--file", str(dest)], url)
            yield conn
    finally:
        engine.dispose()


def load(url: str, source: Path) -> None:
    """Replace the database at ``url`` by the copy ``source`` (made by ``dumped``)."""
    if backend(url) == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
        return
    _drop_everything(url)
    _pg(
        "pg_restore",
        ["--exit-on-error", "--single-transaction", "--dbname", _libpq(make_url(url)), str(source)],
        url,
    )


def _sqlite_copy(source: Path, target: Path, *, self_contained: bool = False) -> None:
    """SQLite's online backup: a consistent copy even while others write ``source``."""
    if not source.is_file():
        raise StoreError(f"no SQLite database at {source}")
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(target, timeout=30)) as dst,
        ):
            src.backup(dst)
            if self_contained:  # one file for the archive, no -wal beside it
                dst.execute("PRAGMA journal_mode=DELETE").fetchall()
    except sqlite3.Error as exc:
        raise StoreError(f"SQLite backup {source} → {target} failed: {exc}") from exc


def _drop_everything(url: str) -> None:
    """Empty the PostgreSQL database's schema (the caller checked it may)."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            found = inspect(conn)
            for view in found.get_view_names():
                conn.execute(text(f'DROP VIEW IF EXISTS "{view}" CASCADE'))
            for table in found.get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
            for sequence in inspect(conn).get_sequence_names():
                conn.execute(text(f'DROP SEQUENCE IF EXISTS "{sequence}" CASCADE'))
    finally:
        engine.dispose()


def _libpq(url: URL) -> str:
    """A libpq connection URI without the password (that goes in PGPASSWORD)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def _pg(program: str, args: list[str], url: str) -> None:
    binary = shutil.which(program)
    if binary is None:
        raise StoreError(
            f"{program} not found: install the PostgreSQL client programs (Debian: "
            "postgresql-client, the same major version as the server or newer)"
        )
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    command = [binary, "--no-owner", "--no-privileges", *args]
    if program == "pg_dump":
        command += ["--dbname", _libpq(parsed)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StoreError(f"{program} failed: {result.stderr.strip()[-2000:]}")
