"""The web chat session id never reaches the access log (hardening finding 5).

The app runs as an operator would run it, ``uvicorn --factory helpdesk.main:app_factory``
with uvicorn's own access log on (``diodo run`` switches it off; a deployment may not).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from helpdesk.cli import processes
from tests.keys import ENV_KEYS
from tests.ports import closed_port


def _start(tmp_path: Path, port: int) -> processes.Process:
    env = processes.base_env(
        {
            "DIODO_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            "DIODO_RASA_URL": f"http://127.0.0.1:{closed_port()}",
            "DIODO_ACTIONS_URL": f"http://127.0.0.1:{closed_port()}",
            "DIODO_RASA_TRACKER_URL": "",
            "DIODO_INTERNAL_API_TOKEN": "internal-test-token",
            "DIODO_PSEUDONYM_KEY": "pseudonym-test-key",
            "DIODO_KNOWLEDGE_SEMANTIC": "false",
            "DIODO_LOG_LEVEL": "INFO",
            **ENV_KEYS,
        }
    )
    log = (tmp_path / "app.log").open("wb")
    command = [sys.executable, "-m", "uvicorn", "helpdesk.main:app_factory", "--factory"]
    popen = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=processes.REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return processes.Process(
        "app", popen, f"http://127.0.0.1:{port}/health", log_path=tmp_path / "app.log"
    )


def test_session_id_stays_out_of_the_access_log_in_new_and_old_api_form(tmp_path: Path) -> None:
    port = closed_port()
    app = _start(tmp_path, port)
    try:
        processes.wait_healthy(app, 120)
        base = f"http://127.0.0.1:{port}/api/webchat"
        with httpx.Client(timeout=30) as http:
            session_id = http.post(f"{base}/sessions").json()["session_id"]
            auth = {"Authorization": f"Bearer {session_id}"}
            sent = http.post(f"{base}/messages", json={"text": "Hallo"}, headers=auth)
            polled = http.get(f"{base}/replies", params={"after": 0, "wait": 1}, headers=auth)
            old = f"{base}/sessions/{session_id}"
            old_sent = http.post(f"{old}/messages", json={"text": "Und?"})
            old_polled = http.get(f"{old}/replies", params={"after": 0})
        assert [r.status_code for r in (sent, polled, old_sent, old_polled)] == [
            202,
            200,
            202,
            200,
        ]
    finally:
        processes.stop(app)
    log = (tmp_path / "app.log").read_text(errors="replace")
    # The access log is on: otherwise this test would prove nothing.
    assert '"POST /api/webchat/messages HTTP/1.1" 202' in log, log[-2000:]
    assert "GET /api/webchat/sessions/[entfernt]/replies?after=0 HTTP/1.1" in log, log[-2000:]
    assert session_id not in log
    assert "Logging error" not in log  # the redacting filter keeps uvicorn's format working
