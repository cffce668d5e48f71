"""The inbox worker with a fake assistant (the real Rasa is exercised in tests/e2e)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from helpdesk.conversations import service
from helpdesk.conversations.models import (
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
)
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import InboundClaim, Reply
from helpdesk.conversations.worker import InboxWorker
from helpdesk.db import Database, utcnow
from helpdesk.texts import text
from tests.keys import KEYS


class Down(Exception):
    pass


class FakeAssistant:
    """Answers "Antwort auf <text>", or raises Down while ``up`` is False."""

    def __init__(self) -> None:
        self.up = True
        self.calls: list[tuple[str, str]] = []

    async def send(self, sender: str, text: str, metadata: dict[str, object]) -> list[Reply]:
        self.calls.append((sender, text))
        if not self.up:
            raise Down("connection refused")
        return [Reply(f"Antwort auf {text}")]


def _store(db: Database, address: str, message_id: str, text: str) -> None:
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="web", address=address, keys=KEYS
        )
        service.receive_message(
            session, conversation, channel_message_id=message_id, text=text, keys=KEYS
        )


def _outbox(db: Database) -> list[tuple[str, str]]:
    with db.read_session() as session:
        rows = session.execute(
            select(OutboundMessage.kind, OutboundMessage.text).order_by(OutboundMessage.id)
        ).all()
    return [(kind, body) for kind, body in rows]


def _worker(db: Database, assistant: FakeAssistant, **kwargs: object) -> InboxWorker:
    return InboxWorker(
        db,
        assistant,
        Notifier(),
        transient_errors=(Down,),
        concurrency=3,
        retry_max_seconds=0.05,
        poll_interval=0.02,
        **kwargs,  # type: ignore[arg-type]
    )


async def _until(predicate: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_every_message_is_answered_in_order_per_conversation(db: Database) -> None:
    for number in range(5):
        _store(db, "a", f"a{number}", f"a{number}")
        _store(db, "b", f"b{number}", f"b{number}")
    assistant = FakeAssistant()
    worker = _worker(db, assistant)
    worker.start()
    try:
        await _until(lambda: len(_outbox(db)) == 10)
    finally:
        await worker.stop()
    texts = [body for _, body in _outbox(db)]
    assert [t for t in texts if t.startswith("Antwort auf a")] == [
        f"Antwort auf a{n}" for n in range(5)
    ]
    assert [t for t in texts if t.startswith("Antwort auf b")] == [
        f"Antwort auf b{n}" for n in range(5)
    ]
    assert len(assistant.calls) == 10


async def test_assistant_down_gives_one_holding_reply_then_the_answer(db: Database) -> None:
    _store(db, "a", "m1", "Frage eins")
    _store(db, "a", "m2", "Frage zwei")
    assistant = FakeAssistant()
    assistant.up = False
    worker = _worker(db, assistant)
    worker.start()
    try:
        await _until(lambda: len(assistant.calls) >= 4)
        assert _outbox(db) == [(OutboundKind.HOLDING, text("holding_reply"))]
        assistant.up = True
        await _until(lambda: len(_outbox(db)) == 3)
    finally:
        await worker.stop()
    assert _outbox(db) == [
        (OutboundKind.HOLDING, text("holding_reply")),
        (OutboundKind.REPLY, "Antwort auf Frage eins"),
        (OutboundKind.REPLY, "Antwort auf Frage zwei"),
    ]


async def test_message_unanswerable_for_too_long_gets_an_apology(db: Database) -> None:
    _store(db, "a", "m1", "Frage")
    with db.session() as session:
        session.execute(update(InboundMessage).values(received_at=utcnow() - timedelta(hours=7)))
    assistant = FakeAssistant()
    assistant.up = False
    worker = _worker(db, assistant, give_up_after_seconds=6 * 3600)
    worker.start()
    try:
        await _until(lambda: len(_outbox(db)) == 1)
    finally:
        await worker.stop()
    assert _outbox(db) == [(OutboundKind.SYSTEM, text("processing_failed"))]
    with db.read_session() as session:
        assert session.scalar(select(InboundMessage.status)) == InboundStatus.FAILED


async def test_sms_keywords_sent_before_the_last_answer_is_out_are_answered_in_order(
    db: Database,
) -> None:
    from helpdesk.channels import sms_state
    from helpdesk.channels.sms import SmsKeywords

    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="sms", address="+4915100000001", keys=KEYS
        )
        first = sms_state.receive_sms(
            session, conversation, message_sid="SM1", body="Wie mache ich ein Foto?", keys=KEYS
        )
        helpme = sms_state.receive_sms(
            session, conversation, message_sid="SM2", body="HILFE", keys=KEYS
        )
        unknown = sms_state.receive_sms(
            session, conversation, message_sid="SM3", body="7", keys=KEYS
        )
    assert first.to_assistant
    # Not answered at once: the answer to the first question would come after them.
    assert helpme.to_assistant and not helpme.local_reply
    assert unknown.to_assistant and not unknown.local_reply
    assert _outbox(db) == []
    assistant = FakeAssistant()
    worker = _worker(db, assistant, local=SmsKeywords(db))
    worker.start()
    try:
        await _until(lambda: len(_outbox(db)) == 3)
    finally:
        await worker.stop()
    assert [body for _, body in _outbox(db)] == [
        "Antwort auf Wie mache ich ein Foto?",
        text("sms_help"),
        text("sms_unknown_choice"),
    ]
    assert assistant.calls == [(assistant.calls[0][0], "Wie mache ich ein Foto?")]
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="sms", address="+4915100000001", keys=KEYS
        )
        later = sms_state.receive_sms(
            session, conversation, message_sid="SM4", body="HILFE", keys=KEYS
        )
    assert later.local_reply and not later.to_assistant  # nothing pending: answered at once


async def test_a_deferred_digit_reaches_later_local_handlers_as_the_chosen_payload(
    db: Database,
) -> None:
    from helpdesk.channels import sms_state
    from helpdesk.channels.sms import SmsKeywords
    from helpdesk.conversations.worker import LocalHandlers

    class Recorder:
        """Stands in for the privacy handler: takes what it is given."""

        def __init__(self) -> None:
            self.seen: list[str] = []

        async def handle(self, claim: InboundClaim) -> bool | str:
            self.seen.append(claim.text)
            return False

        def before_complete(self, session: object, claim: object, replies: object) -> None:
            pass

    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="sms", address="+4915100000002", keys=KEYS
        )
        sms_state.get_state(session, conversation.id).choices = [
            {"title": "Ja, löschen", "payload": "LÖSCHEN JA"},
            {"title": "Nein", "payload": "LÖSCHEN NEIN"},
        ]
        sms_state.receive_sms(session, conversation, message_sid="SM1", body="Hallo", keys=KEYS)
        deferred = sms_state.receive_sms(
            session, conversation, message_sid="SM2", body="1", keys=KEYS
        )
    assert deferred.to_assistant and not deferred.local_reply
    recorder = Recorder()
    assistant = FakeAssistant()
    worker = _worker(db, assistant, local=LocalHandlers(SmsKeywords(db), recorder))
    worker.start()
    try:
        await _until(lambda: len(_outbox(db)) == 2)
    finally:
        await worker.stop()
    assert recorder.seen == ["Hallo", "LÖSCHEN JA"]
    assert [text for _, text in assistant.calls] == ["Hallo", "LÖSCHEN JA"]
