"""Turn latency and throughput through the web chat API, with the real processes.

Each simulated citizen sends a message, waits for its answer, then sends the next, so
``--conversations`` citizens are in flight at once. Prints p50/p95/max turn latency,
messages per second and the resident memory of each process.

    .venv/bin/python bench/turn_latency.py                    # starts its own stack
    .venv/bin/python bench/turn_latency.py --url http://localhost:8000   # a running one

The simulated citizens send as fast as the app answers and all from one address, far
above the abuse limits for people: the stack started here raises them
(``MACHINE_PACE_LIMITS``); a running app given with ``--url`` needs them raised too.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpdesk.cli import processes
from helpdesk.privacy.crypto import new_contact_key
from tests.e2e.webchat import MACHINE_PACE_LIMITS

QUESTIONS = [
    "Hallo",
    "wie mache ich ein foto mit dem handy",
    "ist diese sms echt? paket kommt nicht klicken sie hier",
    "danke",
    "wie komme ich ins wlan",
    "die schrift ist so klein auf meinem handy",
    "was kannst du",
    "wo bekomme ich hilfe in meiner nähe",
    "in hörde",
    "tschüss",
]


async def citizen(
    http: httpx.AsyncClient, base: str, count: int, offset: int, latencies: list[float]
) -> None:
    session_id = (await http.post(f"{base}/api/webchat/sessions")).json()["session_id"]
    root = f"{base}/api/webchat"
    auth = {"Authorization": f"Bearer {session_id}"}
    cursor = 0
    for turn in range(count):
        message_id = uuid.uuid4().hex
        started = time.perf_counter()
        response = await http.post(
            f"{root}/messages",
            json={
                "text": QUESTIONS[(offset + turn) % len(QUESTIONS)],
                "client_message_id": message_id,
            },
            headers=auth,
        )
        response.raise_for_status()
        answered = False
        while not answered:
            response = await http.get(
                f"{root}/replies", params={"after": cursor, "wait": 20}, headers=auth
            )
            response.raise_for_status()
            body = response.json()
            cursor = body["cursor"]
            answered = any(r["in_reply_to"] == message_id for r in body["replies"])
        latencies.append(time.perf_counter() - started)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


async def run(base: str, conversations: int, messages: int) -> list[float]:
    latencies: list[float] = []
    per = max(1, messages // conversations)
    limits = httpx.Limits(max_connections=conversations * 2 + 4)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(
            *(citizen(http, base, per, n, latencies) for n in range(conversations))
        )
    return latencies


def start_stack(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    ports: processes.Ports | None = None,
) -> list[processes.Process]:
    """Actions, Rasa and the app on ``ports`` (default 18000/15005/15055), data in
    ``workdir``; ``extra_env`` adds or overrides app settings."""
    ports = ports or processes.Ports(app=18000, rasa=15005, actions=15055)
    token = secrets.token_urlsafe(24)
    actions_token = secrets.token_urlsafe(24)  # Rasa → action server
    rasa_token = secrets.token_urlsafe(24)  # app → Rasa
    started = [
        processes.start_actions(
            ports.actions,
            app_url=f"http://127.0.0.1:{ports.app}",
            token=token,
            actions_token=actions_token,
            log_path=workdir / "actions.log",
        ),
        processes.start_rasa(
            ports.rasa,
            actions_port=ports.actions,
            tracker_db=workdir / "tracker.db",
            actions_token=actions_token,
            rasa_token=rasa_token,
            log_path=workdir / "rasa.log",
        ),
        processes.start_app(
            ports.app,
            log_path=workdir / "app.log",
            env={
                "DIODO_DATABASE_URL": f"sqlite:///{workdir / 'diodo.db'}",
                "DIODO_RASA_URL": f"http://127.0.0.1:{ports.rasa}",
                "DIODO_ACTIONS_URL": f"http://127.0.0.1:{ports.actions}",
                "DIODO_INTERNAL_API_TOKEN": token,
                "DIODO_RASA_TOKEN": rasa_token,
                "DIODO_PSEUDONYM_KEY": secrets.token_urlsafe(24),
                "DIODO_CONTACT_KEYS": new_contact_key(),
                "DIODO_CONTACT_INDEX_KEY": secrets.token_urlsafe(24),
                "DIODO_RASA_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}",
                "DIODO_LOG_LEVEL": "WARNING",
                **MACHINE_PACE_LIMITS,
                **(extra_env or {}),
            },
        ),
    ]
    for process in started:
        processes.wait_healthy(process, 300)
    return started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running DiODo; default: start one")
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    started: list[processes.Process] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if args.url:
                base = args.url.rstrip("/")
            else:
                print("Starting actions, Rasa and the app ...", flush=True)
                started = start_stack(Path(tmp))
                base = "http://127.0.0.1:18000"
            asyncio.run(run(base, 2, 10))  # warm-up
            began = time.perf_counter()
            latencies = asyncio.run(run(base, args.conversations, args.messages))
            elapsed = time.perf_counter() - began
            ordered = sorted(latencies)
            p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
            print(f"messages: {len(latencies)} from {args.conversations} concurrent conversations")
            print(f"turn latency p50: {statistics.median(ordered) * 1000:.0f} ms")
            print(f"turn latency p95: {p95 * 1000:.0f} ms")
            print(f"turn latency max: {ordered[-1] * 1000:.0f} ms")
            print(f"throughput: {len(latencies) / elapsed:.1f} messages/s")
            for process in started:
                print(f"resident memory {process.name}: {rss_mb(process.popen.pid):.0f} MB")
        finally:
            for process in reversed(started):
                processes.stop(process)


if __name__ == "__main__":
    main()
