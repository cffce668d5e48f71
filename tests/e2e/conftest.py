"""End-to-end fixtures: the real action server, Rasa with the trained model, and the app.

Rasa and the action server start once per test session (Rasa takes ~30 s to load); each
test gets its own app process and SQLite database, on the port the action server knows.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpdesk.cli import processes
from helpdesk.cli.processes import Process
from tests.e2e.webchat import MACHINE_PACE_LIMITS
from tests.keys import ENV_KEYS

STARTUP_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotStack:
    """The shared Rasa side of the stack."""

    ports: processes.Ports
    token: str
    logs: Path
    tracker_db: Path
    started: list[Process] = field(default_factory=list)
    # What Rasa sends to the action server, and what the app sends to Rasa.
    actions_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def start_rasa(self, port: int, name: str = "rasa") -> Process:
        """Start another real Rasa (same model, same action server) on ``port``."""
        process = processes.start_rasa(
            port,
            actions_port=self.ports.actions,
            tracker_db=self.tracker_db.with_name(f"{name}-tracker.db"),
            actions_token=self.actions_token,
            rasa_token=self.rasa_token,
            log_path=self.logs / f"{name}.log",
        )
        self.started.append(process)
        return process


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotStack]:
    if not processes.MODEL_PATH.exists():
        pytest.fail("No trained Rasa model: run `make train` (make test does it for you).")
    if not processes.bot_bin("rasa").exists():
        pytest.fail("No Rasa environment: run `make install`.")
    logs = tmp_path_factory.mktemp("logs")
    stack = BotStack(
        ports=processes.Ports(app=free_port(), rasa=free_port(), actions=free_port()),
        token=secrets.token_urlsafe(24),
        logs=logs,
        tracker_db=logs / "rasa-tracker.db",
    )
    actions = processes.start_actions(
        stack.ports.actions,
        app_url=f"http://127.0.0.1:{stack.ports.app}",
        token=stack.token,
        actions_token=stack.actions_token,
        log_path=logs / "actions.log",
    )
    stack.started.append(actions)
    rasa = stack.start_rasa(stack.ports.rasa)
    try:
        processes.wait_healthy(actions, STARTUP_TIMEOUT)
        processes.wait_healthy(rasa, STARTUP_TIMEOUT)
        yield stack
    finally:
        for process in reversed(stack.started):
            processes.stop(process)


@dataclass
class AppRunner:
    """Starts and stops the app process of one test."""

    bot: BotStack
    db_path: Path
    logs: Path
    process: Process | None = None
    pseudonym_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.bot.ports.app}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def start(self, *, rasa_port: int | None = None, **settings: str) -> Process:
        env = {
            "DIODO_DATABASE_URL": self.database_url,
            "DIODO_RASA_URL": f"http://127.0.0.1:{rasa_port or self.bot.ports.rasa}",
            "DIODO_ACTIONS_URL": f"http://127.0.0.1:{self.bot.ports.actions}",
            "DIODO_INTERNAL_API_TOKEN": self.bot.token,
            "DIODO_RASA_TOKEN": self.bot.rasa_token,
            "DIODO_PSEUDONYM_KEY": self.pseudonym_key,
            "DIODO_RETRY_MAX_SECONDS": "1",
            "DIODO_RASA_TRACKER_URL": f"sqlite:///{self.bot.tracker_db}",
            **ENV_KEYS,
            **MACHINE_PACE_LIMITS,  # a test that checks a limit sets it lower again
            **{f"DIODO_{key.upper()}": value for key, value in settings.items()},
        }
        self.process = processes.start_app(
            self.bot.ports.app, env=env, log_path=self.logs / "app.log"
        )
        processes.wait_healthy(self.process, 240)
        return self.process

    def kill(self) -> None:
        assert self.process is not None
        processes.kill(self.process)

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process)

    def log_text(self) -> str:
        path = self.logs / "app.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def app_runner(bot: BotStack, tmp_path: Path) -> Iterator[AppRunner]:
    runner = AppRunner(bot=bot, db_path=tmp_path / "diodo.db", logs=tmp_path)
    yield runner
    runner.stop()


@pytest.fixture
def app(app_runner: AppRunner) -> AppRunner:
    """A running app wired to the shared Rasa and action server."""
    app_runner.start()
    return app_runner
