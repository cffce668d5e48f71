"""The held-out dialogue set, end to end: real Rasa, action server and app, on the web
chat API and on SMS (signed Twilio webhooks, a local fake Twilio REST API).

Plays every dialogue of ``tests/heldout/dialogues.yml`` on each channel as a new
citizen, judges each turn (``bench/dialogue_judge.py``) and prints the share of
dialogues that pass, per class and channel, and for SMS the SMS count and segments per
turn. Failures go to ``var/dialogues-<channel>.txt``. The set is held out: never copy
its sentences into training data, rules, stories or article questions.

    .venv/bin/python bench/dialogues.py                  # both channels
    .venv/bin/python bench/dialogues.py --channel web --only d001,d017
"""

from __future__ import annotations

import argparse
import itertools
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dialogue_judge import DIALOGUES, Judge, Turn, load_dialogues  # noqa: E402
from bench.turn_latency import start_stack  # noqa: E402
from helpdesk.channels.render import sms_segments  # noqa: E402
from helpdesk.cli import processes  # noqa: E402
from helpdesk.privacy.crypto import Keyring, new_contact_key  # noqa: E402
from tests.e2e.webchat import WebChat  # noqa: E402
from tests.fakes.twilio import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_params,
    signed_post,
)

PORTS = processes.Ports(app=18100, rasa=15105, actions=15155)
NOTICE_PREFIX = "Datenschutz: DiODo"


@dataclass
class Stack:
    """The started processes and what the players need to reach and inspect them."""

    url: str
    engine: Engine
    keys: Keyring
    twilio: FakeTwilio

    def conversation_id(self, channel: str, address: str) -> int | None:
        index = self.keys.index(channel, address)
        with self.engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT conversation.id FROM conversation JOIN contact"
                    " ON contact.id = conversation.contact_id"
                    " WHERE contact.channel = :c AND contact.address_index = :i"
                ),
                {"c": channel, "i": index},
            ).scalar()

    def tickets(self, conversation_id: int | None) -> tuple[str, ...]:
        if conversation_id is None:
            return ()
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT priority FROM ticket WHERE conversation_id = :c"),
                {"c": conversation_id},
            ).scalars()
            return tuple(str(r) for r in rows)

    def settled(self, conversation_id: int | None) -> bool:
        """Nothing of the conversation waits in the inbox or the outbox."""
        if conversation_id is None:
            return False
        with self.engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM inbound_message WHERE conversation_id = :c"
                    " AND status IN ('pending', 'processing')) + (SELECT count(*) FROM"
                    " outbound_message WHERE conversation_id = :c"
                    " AND status IN ('pending', 'sending'))"
                ),
                {"c": conversation_id},
            ).scalar()
        return waiting == 0


def play_web(stack: Stack, dialogue: dict[str, Any]) -> list[Turn]:
    chat = WebChat(stack.url)
    turns = []
    for step in dialogue["turns"]:
        replies = chat.ask(str(step["say"]), timeout=90)
        conversation = stack.conversation_id("web", chat.session_id)
        turns.append(Turn(tuple(str(r["text"]) for r in replies), stack.tickets(conversation)))
    return turns


_numbers = itertools.count(1)


def play_sms(stack: Stack, dialogue: dict[str, Any]) -> list[Turn]:
    number = f"+49151{next(_numbers):08d}"
    http = httpx.Client(base_url=stack.url, timeout=30)
    turns = []
    for n, step in enumerate(dialogue["turns"]):
        seen = len(stack.twilio.to(number))
        params = inbound_params(number, str(step["say"]), f"SM{secrets.token_hex(16)}")
        response = signed_post(
            http, path="/sms/twilio/inbound", public_url=stack.url, params=params
        )
        response.raise_for_status()
        deadline = time.monotonic() + 90
        conversation = stack.conversation_id("sms", number)
        while not stack.settled(conversation) and time.monotonic() < deadline:
            time.sleep(0.2)
            conversation = conversation or stack.conversation_id("sms", number)
        bodies = stack.twilio.to(number)[seen:]
        if n == 0:
            bodies = [b for b in bodies if not b.startswith(NOTICE_PREFIX)]
        turns.append(
            Turn(
                tuple(bodies),
                stack.tickets(conversation),
                sms_count=len(bodies),
                sms_segments=tuple(sms_segments(b) for b in bodies),
            )
        )
    http.close()
    return turns


@dataclass
class Outcome:
    dialogue: dict[str, Any]
    turns: list[Turn]
    problems: list[tuple[int, list[str]]]

    @property
    def passed(self) -> bool:
        return not self.problems


def run_channel(
    stack: Stack, channel: str, dialogues: list[dict[str, Any]], workers: int
) -> list[Outcome]:
    judge = Judge.load(channel)
    player: Callable[[Stack, dict[str, Any]], list[Turn]] = (
        play_sms if channel == "sms" else play_web
    )

    def one(dialogue: dict[str, Any]) -> Outcome:
        turns = player(stack, dialogue)
        problems = []
        for index, (step, turn) in enumerate(zip(dialogue["turns"], turns, strict=True)):
            failed = judge.failures(turn, dict(step.get("expect") or {"any": True}))
            if failed:
                problems.append((index, failed))
        return Outcome(dialogue, turns, problems)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, dialogues))


def report(channel: str, outcomes: list[Outcome]) -> None:
    by_class: dict[str, list[bool]] = defaultdict(list)
    for outcome in outcomes:
        by_class[outcome.dialogue["class"]].append(outcome.passed)
        by_class[f"style:{outcome.dialogue['style']}"].append(outcome.passed)
        if outcome.dialogue.get("context"):
            by_class["context:true"].append(outcome.passed)
    total = [o.passed for o in outcomes]
    print(f"\n{channel}: {sum(total)}/{len(total)} dialogues pass ({_pct(total)})")
    for name in sorted(by_class):
        values = by_class[name]
        print(f"  {name:<16} {sum(values):>3}/{len(values):<3} {_pct(values)}")
    if channel == "sms":
        counts = [t.sms_count for o in outcomes for t in o.turns]
        segments = [s for o in outcomes for t in o.turns for s in t.sms_segments]
        print(
            f"  SMS per turn: max {max(counts)}, turns over 3: "
            f"{sum(c > 3 for c in counts)}/{len(counts)}, mean {statistics.mean(counts):.2f}"
        )
        print(f"  segments per SMS: median {statistics.median(segments):.0f}, max {max(segments)}")
    out = ROOT / "var" / f"dialogues-{channel}.txt"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for outcome in outcomes:
            if outcome.passed:
                continue
            dialogue = outcome.dialogue
            handle.write(f"## {dialogue['id']} ({dialogue['class']}, {dialogue['style']})\n")
            for index, problems in outcome.problems:
                step, turn = dialogue["turns"][index], outcome.turns[index]
                handle.write(f"- turn {index + 1}: {step['say']!r}\n  expected {step['expect']}")
                handle.write(f"\n  problems: {'; '.join(problems)}\n  bot: {turn.text!r}\n")
    print(f"  failures: {out.relative_to(ROOT)}")


def show(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        failed = dict(outcome.problems)
        for index, (step, turn) in enumerate(
            zip(outcome.dialogue["turns"], outcome.turns, strict=True)
        ):
            mark = "FAIL" if index in failed else "ok"
            print(f"[{outcome.dialogue['id']}.{index + 1} {mark}] {step['say']}")
            print("    " + turn.text.replace("\n", "\n    "))
            for problem in failed.get(index, []):
                print(f"    !! {problem}")


def _pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.0f} %" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", choices=["web", "sms", "both"], default="both")
    parser.add_argument("--only", help="comma-separated dialogue ids")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--file", type=Path, default=DIALOGUES)
    parser.add_argument("--show", action="store_true", help="print every turn")
    args = parser.parse_args()
    dialogues = load_dialogues(args.file)
    if args.only:
        wanted = set(args.only.split(","))
        dialogues = [d for d in dialogues if d["id"] in wanted]
    keys = Keyring(
        contact_keys=(new_contact_key(),),
        index_key=secrets.token_urlsafe(24),
        pseudonym_key=secrets.token_urlsafe(24),
    )
    twilio = FakeTwilio().start()
    started: list[processes.Process] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {
            "DIODO_CONTACT_KEYS": keys.contact_keys[0],
            "DIODO_CONTACT_INDEX_KEY": keys.index_key,
            "DIODO_PUBLIC_URL": f"http://127.0.0.1:{PORTS.app}",
            "DIODO_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "DIODO_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "DIODO_TWILIO_FROM_NUMBER": FROM_NUMBER,
            "DIODO_TWILIO_API_BASE_URL": twilio.url,
        }
        try:
            print("Starting actions, Rasa and the app ...", flush=True)
            started = start_stack(workdir, env, PORTS)
            engine = create_engine(f"sqlite:///{workdir / 'diodo.db'}")
            stack = Stack(f"http://127.0.0.1:{PORTS.app}", engine, keys, twilio)
            channels = ["web", "sms"] if args.channel == "both" else [args.channel]
            for channel in channels:
                began = time.monotonic()
                outcomes = run_channel(stack, channel, dialogues, args.workers)
                if args.show:
                    show(outcomes)
                report(channel, outcomes)
                print(f"  took {time.monotonic() - began:.0f} s")
            engine.dispose()
        finally:
            for process in reversed(started):
                processes.stop(process)
            twilio.stop()


if __name__ == "__main__":
    main()
