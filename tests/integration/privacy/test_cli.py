"""``diodo privacy …`` from the shell: export as JSON, retention dry run, rotation, erase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpdesk import migrate
from helpdesk.cli.main import main
from helpdesk.conversations import service
from helpdesk.db import Database
from tests.keys import ENV_KEYS, KEYS, keyring

PHONE = "+491709999999"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name, value in {
        **ENV_KEYS,
        "DIODO_PSEUDONYM_KEY": "k",
        "DIODO_DATABASE_URL": url,
        "DIODO_RASA_TRACKER_URL": "",
    }.items():
        monkeypatch.setenv(name, value)
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="sms", address=PHONE, keys=keyring("k")
        )
        service.receive_message(
            session, conversation, channel_message_id="1", text="Guten Tag", keys=KEYS
        )
    return db


def test_export_prints_everything_about_one_number_as_json(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "export", "--channel", "sms", "--address", PHONE]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["contact"]["address"] == PHONE
    assert data["messages_from_you"][0]["text"] == "Guten Tag"
    assert main(["privacy", "export", "--channel", "sms", "--address", "+4900"]) == 1


def test_retention_dry_run_rotation_and_erase_report_counts_only(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "retention", "--dry-run"]) == 0
    assert main(["privacy", "rotate-keys"]) == 0
    assert main(["privacy", "erase", "--conversation", "1"]) == 0
    out = capsys.readouterr().out
    assert "would erase" in out and "1 contacts re-encrypted" in out and "erased" in out
    assert PHONE not in out and "Guten Tag" not in out
    assert main(["privacy", "export", "--channel", "sms", "--address", PHONE]) == 1
