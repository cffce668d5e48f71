"""`diodo run` (what `make run` calls) starts all three processes and stops them again."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpdesk.settings import REPO_ROOT
from knowledge import KnowledgeBase, default_articles_dir
from tests.e2e.conftest import free_port
from tests.e2e.webchat import WebChat

pytestmark = pytest.mark.e2e


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_diodo_run_serves_the_web_chat_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    ports = {"app": free_port(), "rasa": free_port(), "actions": free_port()}
    env = dict(os.environ)
    env.update(
        DIODO_PORT=str(ports["app"]),
        DIODO_PUBLIC_URL=f"http://localhost:{ports['app']}",
        DIODO_DATABASE_URL=f"sqlite:///{tmp_path / 'diodo.db'}",
        DIODO_INTERNAL_API_TOKEN=secrets.token_urlsafe(16),
        DIODO_PSEUDONYM_KEY=secrets.token_urlsafe(16),
    )
    out = (tmp_path / "run.log").open("w")
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "helpdesk.cli.main",
            "run",
            "--rasa-port",
            str(ports["rasa"]),
            "--actions-port",
            str(ports["actions"]),
            "--var-dir",
            str(tmp_path / "var"),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 300
        while "DiODo is running" not in (tmp_path / "run.log").read_text():
            assert run.poll() is None, (tmp_path / "run.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "diodo run did not become ready"
            time.sleep(0.5)
        printed = (tmp_path / "run.log").read_text()
        assert f"http://localhost:{ports['app']}/" in printed

        chat = WebChat(f"http://127.0.0.1:{ports['app']}")
        answer = chat.ask("Hallo, wie mache ich ein Foto mit dem Handy?")
        photo = KnowledgeBase.from_directory(default_articles_dir()).get("foto-machen-und-senden")
        assert photo is not None and answer[0]["text"] == photo.answer.strip()
    finally:
        run.send_signal(signal.SIGINT)
        code = run.wait(60)
        out.close()
    assert code == 0
    for port in ports.values():
        assert not _listening(port), f"something still listens on {port} after Ctrl-C"
