"""The app as an operator runs it, with ``DIODO_LOG_FORMAT=json`` and ``/metrics`` on.

``uvicorn --factory helpdesk.main:app_factory`` with its access log on: every line of its
output is one JSON object, uvicorn's own lines included, and a conversation that carries
a phone number and a recognisable text leaves neither in the log at INFO.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from helpdesk.cli import processes
from tests.fakes.rasa import running_fake_rasa
from tests.keys import ENV_KEYS
from tests.ports import closed_port

METRICS_TOKEN = "metrics-test-token-0123456789"
TEXT = "Meine Nummer ist 0170 1234567, es geht um Zitronenkuchen"


def _start(tmp_path: Path, port: int, rasa_url: str) -> processes.Process:
    env = processes.base_env(
        {
            "DIODO_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            "DIODO_RASA_URL": rasa_url,
            "DIODO_ACTIONS_URL": rasa_url,
            "DIODO_RASA_TRACKER_URL": "",
            "DIODO_INTERNAL_API_TOKEN": "internal-test-token",
            "DIODO_PSEUDONYM_KEY": "pseudonym-test-key",
            "DIODO_KNOWLEDGE_SEMANTIC": "false",
            "DIODO_LOG_LEVEL": "INFO",
            "DIODO_LOG_FORMAT": "json",
            "DIODO_METRICS_TOKEN": METRICS_TOKEN,
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


def test_json_logs_hold_no_personal_data_and_metrics_are_scraped(tmp_path: Path) -> None:
    port = closed_port()
    with running_fake_rasa() as rasa:
        app = _start(tmp_path, port, rasa.url)
        try:
            processes.wait_healthy(app, 120)
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as http:
                session_id = http.post("/api/webchat/sessions").json()["session_id"]
                auth = {"Authorization": f"Bearer {session_id}"}
                sent = http.post("/api/webchat/messages", json={"text": TEXT}, headers=auth)
                assert sent.status_code == 202
                deadline = time.monotonic() + 30
                replies: list[dict[str, object]] = []
                while not replies and time.monotonic() < deadline:
                    polled = http.get("/api/webchat/replies", params={"wait": 5}, headers=auth)
                    replies = polled.json()["replies"]
                assert [r["text"] for r in replies] == ["Antwort"]
                metrics = http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
                assert metrics.status_code == 200
                assert 'diodo_deliveries_total{channel="web",result="sent"} 1.0' in metrics.text
                assert http.get("/metrics").status_code == 401
        finally:
            processes.stop(app)
    assert rasa.messages, "Rasa was not asked"
    log = (tmp_path / "app.log").read_text(errors="replace")
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    messages = [str(entry["message"]) for entry in entries]
    assert any(m.startswith("Started server process") for m in messages), messages
    assert "DiODo app ready" in messages
    assert any("answered with 1 replies" in m for m in messages), messages
    assert any('"POST /api/webchat/messages HTTP/1.1" 202' in m for m in messages), messages
    for personal in ("1234567", "Zitronenkuchen", session_id):
        assert personal not in log
