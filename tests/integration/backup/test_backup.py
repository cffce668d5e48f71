"""Backup and restore of a whole system, on SQLite and PostgreSQL (docs/operations.md)."""

from __future__ import annotations

import json
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from helpdesk.backup import stores
from helpdesk.backup.keys import key_id
from helpdesk.backup.service import (
    BackupError,
    Locations,
    create_backup,
    open_backup,
    restore_backup,
)
from helpdesk.conversations import service
from helpdesk.conversations.models import Contact, Conversation, InboundMessage, OutboundMessage
from helpdesk.conversations.service import Reply
from helpdesk.db import Database
from helpdesk.main import create_app
from helpdesk.privacy.crypto import Keyring, new_contact_key
from helpdesk.settings import Settings
from helpdesk.tickets.models import Ticket
from tests.fakes.server import FakeServer, Request
from tests.integration.backup.conftest import (
    ADDRESSES,
    CALLBACK_WINDOW,
    PHONE,
    WEB_TOKEN,
    NewSystem,
    System,
    add_turn,
    fill,
    tracker_events,
)
from tests.integration.upgrades.v0_1 import build_v0_1
from tests.integration.upgrades.v0_1_checks import check_v0_1, continue_conversations
from tests.keys import CONTACT_KEY, INDEX_KEY, KEYS, SETTINGS_KEYS
from tests.ports import closed_port


def _backup_and_restore(source: System, target: System, archive: Path) -> dict[str, Any]:
    manifest = create_backup(source.locations, archive, keys=KEYS, key_sources=["/etc/diodo.env"])
    with open_backup(archive) as opened:
        restore_backup(opened, target.locations, keys=KEYS)
    return manifest


class FakeRasa:
    """Answers every message and remembers who sent it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.server = FakeServer(self._handle)

    def _handle(self, request: Request) -> tuple[int, dict[str, str], Any]:
        if request.path == "/webhooks/rest/webhook":
            self.calls.append((request.params["sender"], request.params["message"]))
            answer = [{"recipient_id": request.params["sender"], "text": "Weiter geht's."}]
            return 200, {}, answer
        return 200, {}, {}


def _next_web_message(system: System, rasa: FakeRasa) -> list[dict[str, Any]]:
    """The citizen of the web conversation writes again, to the app on ``system``."""
    settings = Settings(
        database_url=system.url,
        rasa_tracker_url=system.tracker,
        rasa_url=rasa.server.url,
        actions_url=f"http://127.0.0.1:{closed_port()}",
        internal_api_token=SecretStr("internal-test-token"),
        pseudonym_key=SecretStr("k"),
        **SETTINGS_KEYS,
        knowledge_semantic=False,
        retry_max_seconds=0.2,
        poll_interval_seconds=0.05,
    )
    auth = {"Authorization": f"Bearer {WEB_TOKEN}"}
    with TestClient(create_app(settings)) as client:
        sent = client.post(
            "/api/webchat/messages",
            json={"text": "Und wie geht es weiter?", "client_message_id": "m2"},
            headers=auth,
        )
        assert sent.status_code == 202 and sent.json()["duplicate"] is False
        deadline = time.monotonic() + 20
        replies: list[dict[str, Any]] = []
        while not any(r["in_reply_to"] == "m2" for r in replies):
            assert time.monotonic() < deadline, "the restored system did not answer"
            replies = client.get("/api/webchat/replies", params={"wait": 5}, headers=auth).json()[
                "replies"
            ]
    return replies


def test_a_restored_system_holds_everything_and_the_conversation_continues(
    new_system: NewSystem, archive: Path
) -> None:
    source, target = new_system("source"), new_system("target")
    pseudonyms = fill(source.locations)
    before, tracker_before = stores.counts_of(source.url), stores.counts_of(source.tracker)
    manifest = _backup_and_restore(source, target, archive)

    assert (
        stores.counts_of(target.url) == before
        and stores.counts_of(target.tracker) == tracker_before
    )
    assert manifest["parts"]["app"]["tables"] == before
    db = Database(target.url)
    with db.read_session() as session:
        contacts = session.scalars(select(Contact)).all()
        assert {c.channel: KEYS.decrypt(c.address_enc) for c in contacts} == ADDRESSES
        ticket = session.scalars(select(Ticket)).one()
        assert KEYS.decrypt(ticket.phone or "") == PHONE
        assert KEYS.decrypt(ticket.callback_window or "") == CALLBACK_WINDOW
        web = session.execute(
            select(Conversation.id, Conversation.pseudonym).where(Conversation.channel == "web")
        ).one()
    db.dispose()
    assert web.pseudonym == pseudonyms["web"]
    assert tracker_events(target.tracker, web.pseudonym) == [
        "Wie geht das per web?",
        "So geht es per web.",
    ]

    rasa = FakeRasa()
    rasa.server.start()
    try:
        replies = _next_web_message(target, rasa)
    finally:
        rasa.server.stop()
    assert [r["text"] for r in replies if r["in_reply_to"] == "m2"] == ["Weiter geht's."]
    assert rasa.calls == [(web.pseudonym, "Und wie geht es weiter?")]  # same Rasa sender
    db = Database(target.url)
    with db.read_session() as session:
        conversation_ids = set(
            session.scalars(
                select(InboundMessage.conversation_id).where(
                    InboundMessage.channel_message_id == "m2"
                )
            )
        )
    db.dispose()
    assert conversation_ids == {web.id}


def test_the_archive_names_the_keys_without_holding_them(
    new_system: NewSystem, archive: Path
) -> None:
    source = new_system("source")
    fill(source.locations)
    manifest = create_backup(source.locations, archive, keys=KEYS, key_sources=["/etc/diodo.env"])
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        raw = b"".join(
            tar.extractfile(member).read()  # type: ignore[union-attr]
            for member in tar.getmembers()
        )
    suffix = ".sqlite" if stores.backend(source.url) == "sqlite" else ".pgdump"
    assert names == ["app" + suffix, "manifest.json", "tracker" + suffix]
    assert CONTACT_KEY.encode() not in raw and INDEX_KEY.encode() not in raw
    keys = manifest["keys"]
    assert keys["included"] is False and keys["reference"] == ["/etc/diodo.env"]
    assert keys["contact_key_ids"] == [key_id(CONTACT_KEY)]
    assert keys["index_key_id"] == key_id(INDEX_KEY)
    assert manifest["tracker"] == "included"
    assert manifest["alembic_revision"] == stores.revision_of(source.url)
    for part in manifest["parts"].values():
        assert len(part["sha256"]) == 64


def test_restore_refuses_a_target_that_is_not_empty_unless_forced(
    new_system: NewSystem, archive: Path
) -> None:
    source, target = new_system("source"), new_system("target")
    fill(source.locations)
    _backup_and_restore(source, target, archive)
    add_turn(target.tracker, "someone-new", "Hallo", "Hallo!")
    with open_backup(archive) as opened:
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(opened, target.locations, keys=KEYS)
        restore_backup(opened, target.locations, keys=KEYS, force=True)
    assert stores.counts_of(target.url) == stores.counts_of(source.url)
    assert stores.counts_of(target.tracker) == stores.counts_of(source.tracker)


def test_restore_with_keys_that_cannot_open_the_data_fails_clearly_and_changes_nothing(
    new_system: NewSystem, archive: Path
) -> None:
    source, target = new_system("source"), new_system("target")
    fill(source.locations)
    create_backup(source.locations, archive, keys=KEYS, key_sources=["/etc/diodo.env"])
    other = Keyring(contact_keys=(new_contact_key(),), index_key="other", pseudonym_key="k")
    with open_backup(archive) as opened, pytest.raises(BackupError) as refused:
        restore_backup(opened, target.locations, keys=other)
    message = str(refused.value)
    assert key_id(CONTACT_KEY) in message and "/etc/diodo.env" in message
    assert CONTACT_KEY not in message
    assert stores.is_empty(target.url) and stores.is_empty(target.tracker)


def test_an_older_backup_is_migrated_up_when_restored(new_database: Any, archive: Path) -> None:
    source, target = new_database("v0_1"), new_database("target")
    build_v0_1(source)
    manifest = create_backup(Locations(source), archive, keys=KEYS)
    assert manifest["alembic_revision"] == "0008" and manifest["tracker"] == "not-configured"
    with open_backup(archive) as opened:
        report = restore_backup(opened, Locations(target), keys=KEYS)
    assert (report.revision, report.migrated_to) == ("0008", stores.revision_of(target))
    check_v0_1(target)
    continue_conversations(target)


def _rewrite(archive: Path, change: Any) -> None:
    """Unpack, let ``change`` edit the files, pack again."""
    work = archive.parent / "edit"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    change(work)
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(work.iterdir()):
            tar.add(path, arcname=path.name)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_restore_refuses_a_newer_schema_and_a_damaged_archive(
    new_system: NewSystem, archive: Path
) -> None:
    source, target = new_system("source"), new_system("target")
    fill(source.locations)
    create_backup(source.locations, archive, keys=KEYS)

    def newer(work: Path) -> None:
        manifest = json.loads((work / "manifest.json").read_text())
        manifest["alembic_revision"] = "9999_from_the_future"
        (work / "manifest.json").write_text(json.dumps(manifest))

    _rewrite(archive, newer)
    with open_backup(archive) as opened, pytest.raises(BackupError, match="newer"):
        restore_backup(opened, target.locations, keys=KEYS)
    _rewrite(archive, lambda work: (work / "app.sqlite").write_bytes(b"garbage"))
    with pytest.raises(BackupError, match="damaged"), open_backup(archive):
        pass
    assert stores.is_empty(target.url)


def test_a_backup_taken_while_messages_flow_is_consistent(
    new_system: NewSystem, archive: Path
) -> None:
    """Online: SQLite's backup API and pg_dump's snapshot copy whole transactions only."""
    source, target = new_system("source"), new_system("target")
    fill(source.locations)
    db = Database(source.url)
    stop = threading.Event()
    written: list[int] = []

    def citizen_writes() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            with db.session() as session:
                conversation = service.get_or_create_conversation(
                    session, channel="web", address=WEB_TOKEN, keys=KEYS
                )
                service.receive_message(
                    session, conversation, channel_message_id=f"x{number}", text="Hallo", keys=KEYS
                )
            with db.session() as session:
                claim = service.claim_next_inbound(session)
                assert claim is not None
                service.complete_inbound(session, claim, [Reply("Hallo!")], empty_reply=Reply("-"))
            written.append(number)

    writer = threading.Thread(target=citizen_writes)
    writer.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        manifest = create_backup(source.locations, archive, keys=KEYS)
        during = len(written)
    finally:
        stop.set()
        writer.join()
        db.dispose()
    assert during > 5 or len(written) > during, "nothing was written during the backup"
    with open_backup(archive) as opened:
        report = restore_backup(opened, target.locations, keys=KEYS)  # compares every count
    assert report.tables["inbound_message"] == manifest["parts"]["app"]["tables"]["inbound_message"]
    restored = Database(target.url)
    with restored.read_session() as session:
        done = set(
            session.scalars(select(InboundMessage.id).where(InboundMessage.status == "done"))
        )
        answered = set(
            session.scalars(
                select(OutboundMessage.inbound_message_id).where(
                    OutboundMessage.inbound_message_id.is_not(None)
                )
            )
        )
        waiting = session.scalar(
            select(func.count()).where(InboundMessage.status != "done").select_from(InboundMessage)
        )
    restored.dispose()
    assert done == answered  # a message is done exactly when its answer is there
    assert (waiting or 0) <= 1  # one the writer had stored but not answered yet: still due


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_migration_that_fails_after_the_restore_says_what_to_do(
    new_database: Any, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = new_database("v0_1"), new_database("target")
    build_v0_1(source)
    create_backup(Locations(source), archive, keys=KEYS)
    monkeypatch.setitem(Settings.model_config, "env_file", ())
    monkeypatch.delenv("DIODO_CONTACT_KEYS")  # migration 0009 encrypts with the settings' keys
    with open_backup(archive) as opened, pytest.raises(BackupError) as failed:
        restore_backup(opened, Locations(target), keys=KEYS)
    assert "restored at schema 0008" in str(failed.value)
    assert "diodo db upgrade" in str(failed.value)
    assert stores.revision_of(target) == "0008"
