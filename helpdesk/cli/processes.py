"""Starting, watching and stopping DiODo's three processes (used by ``diodo run`` and tests).

The app runs in this repository's ``.venv`` (Python ≥3.11); Rasa and the action server
run in ``.venv-bot`` (Python 3.10). They talk over HTTP on localhost only, each call
with the callee's shared secret (docs/security.md, "Between the processes").
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from helpdesk.settings import REPO_ROOT

BOT_VENV = Path(os.environ.get("DIODO_BOT_VENV", REPO_ROOT / ".venv-bot"))
MODEL_PATH = REPO_ROOT / "models" / "diodo.tar.gz"


class StartupError(RuntimeError):
    """A process did not become healthy."""


@dataclass
class Ports:
    """Where each process listens."""

    app: int = 8000
    rasa: int = 5005
    actions: int = 5055


@dataclass
class Process:
    """A started child process and how to tell it is ready."""

    name: str
    popen: subprocess.Popen[bytes]
    health_url: str
    log_path: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def alive(self) -> bool:
        return self.popen.poll() is None


def bot_bin(name: str) -> Path:
    """A program in the Rasa environment."""
    return BOT_VENV / "bin" / name


def base_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for children: ours, plus the overrides, minus noisy TF logging."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(overrides or {})
    return env


def _spawn(
    name: str, command: list[str], env: dict[str, str], health_url: str, log_path: Path | None
) -> Process:
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        out = log_path.open("ab")
        popen = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
    else:
        popen = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)
    return Process(name, popen, health_url, log_path)


def start_actions(
    port: int,
    *,
    app_url: str,
    token: str,
    actions_token: str,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Process:
    """The rasa-sdk action server with our ``actions`` package, bound to localhost.

    ``token`` is the app's internal API token (the actions call the app with it);
    ``actions_token`` is the one Rasa must send (``botserver/action_server.py``).
    Secrets go through the environment, never the command line (``ps`` shows that).
    """
    child_env = base_env(env)
    child_env.update(
        SANIC_HOST="127.0.0.1",
        DIODO_APP_URL=app_url,
        DIODO_INTERNAL_API_TOKEN=token,
        DIODO_ACTIONS_TOKEN=actions_token,
    )
    command = [
        str(bot_bin("python")),
        "-m",
        "botserver.action_server",
        "--actions",
        "actions",
        "--port",
        str(port),
    ]
    return _spawn("actions", command, child_env, f"http://127.0.0.1:{port}/health", log_path)


def start_rasa(
    port: int,
    *,
    actions_port: int,
    tracker_db: Path,
    actions_token: str,
    rasa_token: str,
    model: Path = MODEL_PATH,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Process:
    """Rasa with the trained model, its REST channel and SQL tracker store.

    Its REST channel answers only callers with ``rasa_token`` (``botserver/channel.py``);
    it calls the action server with ``actions_token``. Its HTTP API stays off (no
    ``--enable-api``): the app needs only the channel and ``/``.
    """
    child_env = base_env(env)
    # Rasa's models are small: one TensorFlow thread per op is faster than a pool that
    # fights over two cores (measured: 10.6 → 18.6 messages/s through Rasa's REST API).
    child_env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    child_env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    child_env.update(
        DIODO_ACTIONS_WEBHOOK_URL=f"http://127.0.0.1:{actions_port}/webhook",
        DIODO_RASA_TRACKER_DB=str(tracker_db),
        DIODO_ACTIONS_TOKEN=actions_token,
        DIODO_RASA_TOKEN=rasa_token,
        SANIC_HOST="127.0.0.1",
    )
    command = [
        str(bot_bin("rasa")),
        "run",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(model),
        "--endpoints",
        "bot/endpoints.yml",
        "--credentials",
        "bot/credentials.yml",
    ]
    return _spawn("rasa", command, child_env, f"http://127.0.0.1:{port}/", log_path)


def start_app(
    port: int, *, env: Mapping[str, str], log_path: Path | None = None, host: str = "127.0.0.1"
) -> Process:
    """The FastAPI app under uvicorn, configured through ``DIODO_*`` variables in ``env``."""
    import sys

    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "helpdesk.main:app_factory",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        # The app reads X-Forwarded-For itself, only from DIODO_TRUSTED_PROXIES; uvicorn's
        # own handling would believe it from any local caller (docs/staff.md).
        "--no-proxy-headers",
        "--timeout-graceful-shutdown",
        "5",
    ]
    return _spawn("app", command, base_env(env), f"http://127.0.0.1:{port}/health", log_path)


def wait_healthy(process: Process, timeout: float) -> None:
    """Poll the health URL until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise StartupError(
                f"{process.name} exited with code {process.popen.returncode}" + _log_hint(process)
            )
        try:
            if httpx.get(process.health_url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise StartupError(f"{process.name} not healthy after {timeout:.0f} s" + _log_hint(process))


def _log_hint(process: Process) -> str:
    if process.log_path is None or not process.log_path.exists():
        return ""
    tail = process.log_path.read_text(errors="replace").splitlines()[-15:]
    return f"; last lines of {process.log_path}:\n" + "\n".join(tail)


def stop(process: Process, *, timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL if it does not go."""
    if not process.alive():
        return
    try:
        os.killpg(process.popen.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.popen.wait(timeout)
    except subprocess.TimeoutExpired:
        kill(process)


def kill(process: Process) -> None:
    """SIGKILL the whole process group at once (a crash, as far as the child can tell)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait(10)
