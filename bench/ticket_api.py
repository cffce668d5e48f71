"""Throughput and latency of the staff ticket pages with 12 concurrent clients.

Starts the app (uvicorn, one process) on a fresh SQLite file and a fresh PostgreSQL
database, seeds the example places, 200 tickets and two staff accounts, signs 12 clients
in through the login form and lets them work for ``--seconds``: 45 % queue (the live
update fragment), 45 % ticket page, 10 % internal notes (a write with CSRF). Every
request is authorised and audited, as in production. Prints requests/s, p50 and p95.

    .venv/bin/python bench/ticket_api.py
    .venv/bin/python bench/ticket_api.py --seconds 20 --only sqlite

Target (issue 5): >= 300 requests/s, p95 <= 50 ms on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
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

from sqlalchemy import select  # noqa: E402

from helpdesk import migrate  # noqa: E402
from helpdesk.cli import processes  # noqa: E402
from helpdesk.conversations import service as hub  # noqa: E402
from helpdesk.db import Database, utcnow  # noqa: E402
from helpdesk.places.models import Place  # noqa: E402
from helpdesk.places.service import seed_example_places  # noqa: E402
from helpdesk.privacy.crypto import Keyring, new_contact_key  # noqa: E402
from helpdesk.staff import accounts  # noqa: E402
from helpdesk.staff.principal import Role  # noqa: E402
from helpdesk.tickets import service  # noqa: E402
from helpdesk.tickets.models import Priority  # noqa: E402
from helpdesk.tickets.service import DueRules, TicketCreate  # noqa: E402
from tests.conftest import (  # noqa: E402
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
)

CLIENTS = 12
TICKETS = 200
PASSWORD = "bench-" + secrets.token_urlsafe(12)
_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CONTACT_KEY = new_contact_key()
INDEX_KEY = secrets.token_urlsafe(24)
KEYS = Keyring(contact_keys=(CONTACT_KEY,), index_key=INDEX_KEY, pseudonym_key="bench")


def seed(url: str) -> tuple[list[int], list[int]]:
    """Places, tickets and accounts; returns (ticket ids of the helper's places, all)."""
    migrate.upgrade(url)
    database = Database(url)
    rng = random.Random(5)
    with database.session() as session:
        seed_example_places(session)
        places = list(session.scalars(select(Place.id).order_by(Place.id)))
        helper_places = places[:5]
        accounts.create_account(session, "koordination", PASSWORD, Role.COORDINATOR)
        accounts.create_account(session, "helfer", PASSWORD, Role.HELPER, place_ids=helper_places)
        mine, every = [], []
        for number in range(TICKETS):
            conversation = hub.get_or_create_conversation(
                session, channel="web", address=f"bench-{number}", keys=KEYS
            )
            place_id = rng.choice([*places, None])
            opened = service.open_ticket(
                session,
                TicketCreate(
                    conversation.id,
                    priority=rng.choice(list(Priority)),
                    place_id=place_id,
                    summary=f"Frage Nummer {number} zum Handy",
                ),
                now=utcnow(),
                rules=DueRules(),
            )
            every.append(opened.ticket_id)
            if place_id in helper_places:
                mine.append(opened.ticket_id)
    database.dispose()
    return mine, every


def login(base: str, username: str) -> tuple[httpx.AsyncClient, str]:
    with httpx.Client(base_url=base) as sync:
        form = sync.get("/staff/login")
        token = _LOGIN_TOKEN.search(form.text)
        assert token, "no login form"
        response = sync.post(
            "/staff/login",
            data={"username": username, "password": PASSWORD, "login_token": token.group(1)},
        )
        assert response.status_code in (200, 303), response.status_code
        csrf = sync.get("/staff/api/me").json()["csrf_token"]
        cookies = sync.cookies
    return httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30), str(csrf)


async def worker(
    client: httpx.AsyncClient, csrf: str, tickets: list[int], until: float, out: list[float]
) -> int:
    rng = random.Random()
    errors = 0
    while time.perf_counter() < until:
        pick = rng.random()
        ticket = rng.choice(tickets)
        start = time.perf_counter()
        if pick < 0.45:
            response = await client.get("/staff/tickets/rows?state=offen")
        elif pick < 0.90:
            response = await client.get(f"/staff/tickets/{ticket}")
        else:
            response = await client.post(
                f"/staff/tickets/{ticket}/note",
                data={"text": "Bench-Notiz", "csrf_token": csrf},
            )
        out.append((time.perf_counter() - start) * 1000)
        if response.status_code not in (200, 303):
            errors += 1
    return errors


async def run_clients(base: str, mine: list[int], every: list[int], seconds: float) -> None:
    sessions = [login(base, "koordination" if i % 2 else "helfer") for i in range(CLIENTS)]
    # Warm up (templates, connection pools) outside the measurement.
    for client, _csrf in sessions:
        await client.get("/staff/tickets/rows")
    latencies: list[float] = []
    start = time.perf_counter()
    until = start + seconds
    errors = await asyncio.gather(
        *(
            worker(client, csrf, every if index % 2 else mine, until, latencies)
            for index, (client, csrf) in enumerate(sessions)
        )
    )
    elapsed = time.perf_counter() - start
    for client, _csrf in sessions:
        await client.aclose()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"  {len(latencies)} requests in {elapsed:.1f} s: {len(latencies) / elapsed:.0f} req/s, "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, errors {sum(errors)}"
    )


def bench(name: str, url: str, seconds: float) -> None:
    print(f"{name}:")
    mine, every = seed(url)
    port = free_port()
    env = {
        "DIODO_DATABASE_URL": url,
        "DIODO_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "DIODO_INTERNAL_API_TOKEN": secrets.token_urlsafe(16),
        "DIODO_PSEUDONYM_KEY": secrets.token_urlsafe(16),
        "DIODO_CONTACT_KEYS": CONTACT_KEY,
        "DIODO_CONTACT_INDEX_KEY": INDEX_KEY,
        "DIODO_KNOWLEDGE_SEMANTIC": "false",
        "DIODO_STAFF_COOKIE_SECURE": "false",  # plain http on loopback in the benchmark
        "DIODO_STAFF_LOGIN_MAX_FAILURES": "1000",
        "DIODO_LOG_LEVEL": "WARNING",
    }
    app = processes.start_app(port, env=env)
    try:
        processes.wait_healthy(app, 120)
        asyncio.run(run_clients(f"http://127.0.0.1:{port}", mine, every, seconds))
    finally:
        processes.stop(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.seconds)
    if args.only != "sqlite":
        url = create_postgres_database(POSTGRES_ADMIN_URL)
        try:
            bench("PostgreSQL", url, args.seconds)
        finally:
            drop_postgres_database(POSTGRES_ADMIN_URL, url)


if __name__ == "__main__":
    main()
