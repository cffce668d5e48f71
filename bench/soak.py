"""Soak: a steady mixed load for a long time, watching latency, memory and storage drift.

Open loop at ``--rate`` requests per second: 60 % web chat turns, 30 % SMS turns (signed
Twilio webhooks, replies through a local fake Twilio), 10 % staff pages. A turn is a
citizen message until its reply arrives (web: the reply long poll; SMS: the fake Twilio
receives the SMS). Citizens are short scripted conversations (2-3 turns, a few seconds
apart), so new web sessions and phone numbers keep coming and none grows without end.

Per window (5 minutes, or 1 minute for runs under 15 minutes) it prints turns, errors,
p50/p95 per channel, resident memory of each process and the database sizes; then the
drift of p95 and memory against the reference window (minutes 5-10, or the first
minute for short runs). Exit status 1 when a short run's criteria fail: any error, or
the last minute's p95 above ``max(2 x first, first + 0.5 s)`` (docs/benchmarks.md).

    .venv/bin/python bench/soak.py --minutes 30 --rate 5
    .venv/bin/python bench/soak.py --minutes 3
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.turn_latency import rss_mb, start_stack  # noqa: E402
from helpdesk.cli import processes  # noqa: E402
from helpdesk.db import Database, utcnow  # noqa: E402
from helpdesk.staff import accounts, sessions  # noqa: E402
from helpdesk.staff.principal import Role  # noqa: E402
from helpdesk.staff.sessions import SessionPolicy  # noqa: E402
from tests.fakes.twilio import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_params,
    sign,
)

PORTS = processes.Ports(app=18200, rasa=15205, actions=15255)
MIX = {"web": 0.6, "sms": 0.3, "staff": 0.1}
SCRIPTS = [
    ["Hallo", "wie mache ich ein foto mit dem handy", "danke"],
    ["ist diese sms echt? paket kommt nicht klicken sie hier", "tschüss"],
    ["wie komme ich ins wlan", "danke schön"],
    ["die schrift ist so klein auf meinem handy", "danke"],
    ["was kannst du", "wie mache ich ein foto mit dem handy"],
    ["wo bekomme ich hilfe in meiner nähe", "in hörde", "danke"],
    ["guten tag", "wie schicke ich ein bild über whatsapp", "tschüss"],
]
STAFF_PAGES = ["/staff/tickets", "/staff/tickets/rows", "/staff/dashboard", "/staff/api/me"]
NOTICE_PREFIX = "Datenschutz: DiODo"
THINK_SECONDS = 4.0  # a citizen reads the answer before the next message
TURN_TIMEOUT = 60.0
SHORT_RUN_FLOOR = 0.5  # seconds: see docs/benchmarks.md "Soak"
# Above the abuse limits for people, as MACHINE_PACE_LIMITS; plus the global SMS cap.
SOAK_LIMITS = {"DIODO_SMS_MAX_PER_HOUR": "1000000"}


@dataclass(frozen=True)
class Sample:
    channel: str
    at: float  # seconds since the start of the run
    latency: float
    ok: bool


@dataclass
class Citizen:
    channel: str
    script: list[str]
    address: str  # web: the session id; SMS: the phone number
    cursor: int = 0
    turn: int = 0


@dataclass
class Window:
    start: float
    samples: list[Sample] = field(default_factory=list)
    rss: dict[str, float] = field(default_factory=dict)
    db_mb: dict[str, float] = field(default_factory=dict)

    def p(self, channel: str | None, q: float) -> float | None:
        values = sorted(
            s.latency
            for s in self.samples
            if s.ok and (s.channel == channel or (channel is None and s.channel != "staff"))
        )
        if not values:
            return None
        return values[min(len(values) - 1, int(len(values) * q))]


class SmsInbox:
    """What the fake Twilio received, per number, polled off its list every 20 ms."""

    def __init__(self, twilio: FakeTwilio) -> None:
        self._twilio = twilio
        self._seen = 0
        self.bodies: dict[str, list[str]] = {}

    async def poll(self) -> None:
        while True:
            new = self._twilio.sent[self._seen :]
            self._seen += len(new)
            for sms in new:
                self.bodies.setdefault(sms.to, []).append(sms.body)
            await asyncio.sleep(0.02)

    async def reply_after(self, number: str, seen: int) -> None:
        while True:
            bodies = self.bodies.get(number, [])[seen:]
            if any(not b.startswith(NOTICE_PREFIX) for b in bodies):
                return
            await asyncio.sleep(0.02)


class Soak:
    """The load generator; ``run`` returns the windows."""

    def __init__(self, url: str, twilio: FakeTwilio, staff_cookie: str, rate: float) -> None:
        self.url = url
        self.rate = rate
        self.inbox = SmsInbox(twilio)
        self.staff_cookie = staff_cookie
        self.idle: dict[str, deque[Citizen]] = {"web": deque(), "sms": deque()}
        self.samples: list[Sample] = []
        self.rng = random.Random(17)
        self._numbers = itertools.count(1)
        self._began = 0.0

    async def run(self, seconds: float, length: float, measure: Measure) -> list[Window]:
        """Send for ``seconds``; returns windows of ``length`` seconds (the last may be
        shorter) with their samples and the resources measured at their ends."""
        windows = [Window(k * length) for k in range(math.ceil(seconds / length))]
        # Idle connections are closed by the client after 1 s, well before uvicorn's
        # 5-second keep-alive ends them: reusing a connection the server is closing at
        # that moment fails with a ReadError that no real browser would report.
        limits = httpx.Limits(max_connections=400, keepalive_expiry=1.0)
        async with httpx.AsyncClient(timeout=TURN_TIMEOUT, limits=limits) as http:
            poller = asyncio.create_task(self.inbox.poll())
            self._began = time.monotonic()
            for channel in ("web", "sms", "web", "sms"):  # warm-up: first predictions, caches
                await self.one(http, channel)
            self.samples.clear()
            self._began = time.monotonic()
            sampler = asyncio.create_task(self._sample(windows, length, seconds, measure))
            tasks: set[asyncio.Task[None]] = set()
            n = 0
            while (at := n / self.rate) < seconds:
                await asyncio.sleep(max(0.0, self._began + at - time.monotonic()))
                channel = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
                task = asyncio.create_task(self.one(http, channel))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
            await asyncio.gather(*tasks)
            await sampler
            poller.cancel()
        for sample in self.samples:
            windows[min(len(windows) - 1, int(sample.at // length))].samples.append(sample)
        return windows

    async def _sample(
        self, windows: list[Window], length: float, seconds: float, measure: Measure
    ) -> None:
        for window in windows:
            end = min(window.start + length, seconds)
            await asyncio.sleep(max(0.0, self._began + end - time.monotonic()))
            window.rss, window.db_mb = measure.take()
            errors = sum(not sample.ok for sample in self.samples)
            print(
                f"  minute {end / 60:g}: {len(self.samples)} requests, {errors} errors",
                flush=True,
            )

    async def _citizen(self, http: httpx.AsyncClient, channel: str) -> Citizen:
        if self.idle[channel]:
            return self.idle[channel].popleft()
        script = self.rng.choice(SCRIPTS)
        if channel == "web":
            response = await http.post(f"{self.url}/api/webchat/sessions")
            response.raise_for_status()
            return Citizen(channel, script, response.json()["session_id"])
        return Citizen(channel, script, f"+49152{next(self._numbers):08d}")

    async def one(self, http: httpx.AsyncClient, channel: str) -> None:
        at = time.monotonic() - self._began
        started = time.perf_counter()
        ok = True
        citizen = None
        try:
            if channel == "staff":
                page = self.rng.choice(STAFF_PAGES)
                started = time.perf_counter()
                response = await http.get(
                    f"{self.url}{page}", headers={"cookie": f"diodo_staff={self.staff_cookie}"}
                )
                response.raise_for_status()
            else:
                citizen = await self._citizen(http, channel)
                started = time.perf_counter()
                text = citizen.script[citizen.turn]
                send = self._web_turn if channel == "web" else self._sms_turn
                await asyncio.wait_for(send(http, citizen, text), TURN_TIMEOUT)
        except Exception as exc:  # every failure is an error of the run
            ok = False
            print(f"  error ({channel}): {type(exc).__name__}: {exc}", flush=True)
        self.samples.append(Sample(channel, at, time.perf_counter() - started, ok))
        if ok and citizen is not None:
            citizen.turn += 1
            if citizen.turn < len(citizen.script):
                await asyncio.sleep(THINK_SECONDS)
                self.idle[channel].append(citizen)

    async def _web_turn(self, http: httpx.AsyncClient, citizen: Citizen, text: str) -> None:
        root = f"{self.url}/api/webchat"
        auth = {"Authorization": f"Bearer {citizen.address}"}
        message_id = uuid.uuid4().hex
        response = await http.post(
            f"{root}/messages",
            json={"text": text, "client_message_id": message_id},
            headers=auth,
        )
        response.raise_for_status()
        while True:
            response = await http.get(
                f"{root}/replies", params={"after": citizen.cursor, "wait": 20}, headers=auth
            )
            response.raise_for_status()
            body = response.json()
            citizen.cursor = body["cursor"]
            if any(r["in_reply_to"] == message_id for r in body["replies"]):
                return

    async def _sms_turn(self, http: httpx.AsyncClient, citizen: Citizen, text: str) -> None:
        seen = len(self.inbox.bodies.get(citizen.address, []))
        params = inbound_params(citizen.address, text, f"SM{secrets.token_hex(16)}")
        path = "/sms/twilio/inbound"
        signature = sign(AUTH_TOKEN, self.url + path, params)
        response = await http.post(
            f"{self.url}{path}", data=params, headers={"X-Twilio-Signature": signature}
        )
        response.raise_for_status()
        await self.inbox.reply_after(citizen.address, seen)


@dataclass
class Measure:
    """Resident memory of the processes and the size of the databases in ``workdir``."""

    started: list[processes.Process]
    workdir: Path

    def take(self) -> tuple[dict[str, float], dict[str, float]]:
        rss = {p.name: rss_mb(p.popen.pid) for p in self.started}
        sizes = {}
        for name in ("diodo", "tracker"):
            files = [self.workdir / f"{name}.db", self.workdir / f"{name}.db-wal"]
            sizes[name] = sum(f.stat().st_size for f in files if f.exists()) / 2**20
        return rss, sizes


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def print_windows(windows: list[Window], length: float) -> None:
    names = list(windows[0].rss)
    print(
        f"{'from min':>8} {'turns':>6} {'errors':>6}"
        + "".join(f" {c + ' p50/p95 ms':>18}" for c in ("all", *MIX))
        + "".join(f" {'RSS ' + n + ' MB':>12}" for n in names)
        + f" {'db MB':>7} {'tracker MB':>10}"
    )
    for w in windows:
        turns = sum(s.channel != "staff" for s in w.samples)
        errors = sum(not s.ok for s in w.samples)
        cells = [f"{_ms(w.p(c, 0.5))}/{_ms(w.p(c, 0.95))}" for c in (None, *MIX)]
        print(
            f"{w.start / 60:>8.0f} {turns:>6} {errors:>6}"
            + "".join(f" {c:>18}" for c in cells)
            + "".join(f" {w.rss.get(n, 0):>12.0f}" for n in names)
            + f" {w.db_mb.get('diodo', 0):>7.1f} {w.db_mb.get('tracker', 0):>10.1f}"
        )


def judge(windows: list[Window], reference: int) -> list[str]:
    """Print the drift against ``windows[reference]``; return the failed criteria."""
    ref, last = windows[reference], windows[-1]
    print(f"\ndrift: last window against the one from minute {ref.start / 60:.0f}")
    for channel in (None, *MIX):
        first, now = ref.p(channel, 0.95), last.p(channel, 0.95)
        if first and now:
            print(
                f"  p95 {channel or 'all turns'}: {_ms(first)} -> {_ms(now)} ms"
                f" ({now / first:.2f}x)"
            )
    for name, mb in last.rss.items():
        print(f"  RSS {name}: {ref.rss[name]:.0f} -> {mb:.0f} MB ({mb - ref.rss[name]:+.0f} MB)")
    for name, mb in last.db_mb.items():
        print(f"  {name} db: {ref.db_mb[name]:.1f} -> {mb:.1f} MB")
    failures = []
    errors = sum(not s.ok for w in windows for s in w.samples)
    if errors:
        failures.append(f"{errors} errors")
    first, now = ref.p(None, 0.95), last.p(None, 0.95)
    if first is None or now is None:
        failures.append("no answered turns in the reference or the last window")
    elif now > max(2 * first, first + SHORT_RUN_FLOOR):
        failures.append(
            f"last p95 {_ms(now)} ms > max(2 x {_ms(first)}, {_ms(first)} + "
            f"{SHORT_RUN_FLOOR * 1000:.0f}) ms"
        )
    return failures


def staff_session(database_url: str) -> str:
    """A coordinator's session id (made directly: the login itself is argon2-bound)."""
    db = Database(database_url)
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    with db.session() as session:
        helper = accounts.create_account(
            session, "soak", "soak-" + secrets.token_urlsafe(12), Role.COORDINATOR
        )
        session_id = sessions.start_session(session, helper.id, policy, utcnow())
    db.dispose()
    return session_id


def soak(minutes: float, rate: float, ports: processes.Ports, workdir: Path) -> list[str]:
    """Start a stack in ``workdir`` on ``ports``, soak it, print the tables; returns the
    failed criteria (empty: passed)."""
    twilio = FakeTwilio().start()
    url = f"http://127.0.0.1:{ports.app}"
    env = {
        "DIODO_PUBLIC_URL": url,
        "DIODO_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "DIODO_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "DIODO_TWILIO_FROM_NUMBER": FROM_NUMBER,
        "DIODO_TWILIO_API_BASE_URL": twilio.url,
        **SOAK_LIMITS,
    }
    started: list[processes.Process] = []
    try:
        print("Starting actions, Rasa and the app ...", flush=True)
        started = start_stack(workdir, env, ports)
        cookie = staff_session(f"sqlite:///{workdir / 'diodo.db'}")
        long_run = minutes >= 15
        length = 300.0 if long_run else 60.0
        print(f"Soaking {minutes:g} min at {rate:g} requests/s ...", flush=True)
        load = Soak(url, twilio, cookie, rate)
        windows = asyncio.run(load.run(minutes * 60, length, Measure(started, workdir)))
        print_windows(windows, length)
        return judge(windows, 1 if long_run and len(windows) > 2 else 0)
    finally:
        for process in reversed(started):
            processes.stop(process)
        twilio.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=5, help="requests per second, all channels")
    parser.add_argument(
        "--keep",
        type=Path,
        help="run in this (new or empty) directory and keep the databases for a look after",
    )
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        failures = soak(args.minutes, args.rate, PORTS, args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            failures = soak(args.minutes, args.rate, PORTS, Path(tmp))
    for failure in failures:
        print(f"FAILED: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
