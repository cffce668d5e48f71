"""Cost of staff authentication alone: 12 signed-in clients calling ``GET /staff/api/me``.

Every request loads the server-side session (hash lookup, account, place memberships)
and writes ``last_seen_at`` at most once a minute, so this is the floor under every
staff page. Also prints one argon2id verification (what a login costs).

    .venv/bin/python bench/staff_auth.py
    .venv/bin/python bench/staff_auth.py --seconds 20 --only sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from datetime import timedelta  # noqa: E402

from helpdesk import migrate  # noqa: E402
from helpdesk.cli import processes  # noqa: E402
from helpdesk.db import Database, utcnow  # noqa: E402
from helpdesk.staff import accounts, passwords, sessions  # noqa: E402
from helpdesk.staff.principal import Role  # noqa: E402
from helpdesk.staff.sessions import SessionPolicy  # noqa: E402

CLIENTS = 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sign_in(database_url: str) -> list[str]:
    """Session ids of 12 sessions (made directly: the login itself is argon2-bound)."""
    db = Database(database_url)
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    with db.session() as session:
        helper = accounts.create_account(
            session, "bench", "bench-" + secrets.token_urlsafe(12), Role.COORDINATOR
        )
        ids = [sessions.start_session(session, helper.id, policy, utcnow()) for _ in range(12)]
    db.dispose()
    return ids


async def _client(url: str, session_id: str, until: float, latencies: list[float]) -> None:
    async with httpx.AsyncClient(
        base_url=url, headers={"cookie": f"diodo_staff={session_id}"}
    ) as c:
        while time.perf_counter() < until:
            started = time.perf_counter()
            response = await c.get("/staff/api/me")
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code


def run(name: str, database_url: str, seconds: float) -> None:
    migrate.upgrade(database_url)
    ids = _sign_in(database_url)
    port = _free_port()
    env = {
        "DIODO_DATABASE_URL": database_url,
        "DIODO_RASA_URL": f"http://127.0.0.1:{_free_port()}",
        "DIODO_ACTIONS_URL": f"http://127.0.0.1:{_free_port()}",
        "DIODO_INTERNAL_API_TOKEN": secrets.token_urlsafe(16),
        "DIODO_PSEUDONYM_KEY": secrets.token_urlsafe(16),
        "DIODO_KNOWLEDGE_SEMANTIC": "false",
        "DIODO_LOG_LEVEL": "WARNING",
    }
    app = processes.start_app(port, env=env)
    try:
        processes.wait_healthy(app, 120)
        url = f"http://127.0.0.1:{port}"
        latencies: list[float] = []

        async def main() -> None:
            until = time.perf_counter() + seconds
            await asyncio.gather(*(_client(url, i, until, latencies) for i in ids))

        started = time.perf_counter()
        asyncio.run(main())
        elapsed = time.perf_counter() - started
        p95 = statistics.quantiles(latencies, n=20)[-1]
        print(
            f"{name:10} {len(latencies) / elapsed:7.0f} requests/s   "
            f"p50 {statistics.median(latencies):5.1f} ms   p95 {p95:5.1f} ms"
        )
    finally:
        processes.stop(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sample = passwords.hash_password("bench-password-123")
    started = time.perf_counter()
    passwords.verify_password(sample, "bench-password-123")
    print(f"argon2id verify: {(time.perf_counter() - started) * 1000:.0f} ms")
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            run("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.seconds)
    if args.only in (None, "postgresql"):
        sys.path.insert(0, str(ROOT))
        from tests.conftest import (
            POSTGRES_ADMIN_URL,
            create_postgres_database,
            drop_postgres_database,
        )

        url = create_postgres_database(POSTGRES_ADMIN_URL)
        try:
            run("postgresql", url, args.seconds)
        finally:
            drop_postgres_database(POSTGRES_ADMIN_URL, url)


if __name__ == "__main__":
    main()
