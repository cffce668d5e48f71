"""The conversation hub's inbox and outbox rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from helpdesk.conversations import service
from helpdesk.conversations.models import (
    Contact,
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
)
from helpdesk.conversations.service import Button, Reply
from helpdesk.db import Database, utcnow
from tests.keys import KEYS

KEY = "test-pseudonym-key"


def _receive(db: Database, address: str, message_id: str, text: str) -> service.Received:
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="web", address=address, keys=KEYS
        )
        return service.receive_message(
            session, conversation, channel_message_id=message_id, text=text, keys=KEYS
        )


def _claim(db: Database, **kwargs: object) -> service.InboundClaim | None:
    with db.session() as session:
        return service.claim_next_inbound(session, **kwargs)  # type: ignore[arg-type]


def _complete(db: Database, claim: service.InboundClaim, replies: list[Reply]) -> bool:
    with db.session() as session:
        return service.complete_inbound(session, claim, replies, empty_reply=Reply("leer"))


def test_same_channel_message_id_is_stored_once(db: Database) -> None:
    first = _receive(db, "session-a", "m1", "Hallo")
    second = _receive(db, "session-a", "m1", "Hallo")
    assert not first.duplicate
    assert second.duplicate
    assert second.inbound_id == first.inbound_id
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_same_message_id_in_two_conversations_is_two_messages(db: Database) -> None:
    assert not _receive(db, "session-a", "m1", "Hallo").duplicate
    assert not _receive(db, "session-b", "m1", "Hallo").duplicate


def test_pseudonym_is_a_keyed_hmac_not_the_address(db: Database) -> None:
    _receive(db, "session-a", "m1", "Hallo")
    claim = _claim(db)
    assert claim is not None
    assert "session-a" not in claim.pseudonym
    assert len(claim.pseudonym) == 64 and int(claim.pseudonym, 16) >= 0
    with db.read_session() as session:
        conversation = service.find_conversation(
            session, channel="web", address="session-a", keys=KEYS
        )
        assert conversation is not None and conversation.pseudonym == claim.pseudonym
        assert conversation.pseudonym_key_id == KEYS.pseudonym_key_id


def test_one_conversation_is_processed_in_order_one_message_at_a_time(db: Database) -> None:
    for number in range(3):
        _receive(db, "session-a", f"m{number}", f"Nachricht {number}")
    _receive(db, "session-b", "x", "Andere")
    first = _claim(db)
    second = _claim(db)
    assert first is not None and second is not None
    assert first.text == "Nachricht 0"
    assert second.text == "Andere"  # session-a is busy, so its next message must wait
    assert _claim(db) is None
    assert _complete(db, first, [Reply("Antwort 0")])
    third = _claim(db)
    assert third is not None and third.text == "Nachricht 1"


def test_parallel_claims_never_hand_out_one_message_twice(db: Database) -> None:
    for number in range(20):
        _receive(db, f"session-{number}", "m", "Hallo")
    claims: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while (claim := _claim(db)) is not None:
            with lock:
                claims.append(claim.inbound_id)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claims) == 20
    assert len(set(claims)) == 20


def test_completion_writes_replies_and_marks_done_in_one_step(db: Database) -> None:
    _receive(db, "session-a", "m1", "Hallo")
    claim = _claim(db)
    assert claim is not None
    assert _complete(db, claim, [Reply("Guten Tag", (Button("Hilfe", "/help"),)), Reply("Zwei")])
    with db.read_session() as session:
        message = session.get(InboundMessage, claim.inbound_id)
        assert message is not None and message.status == InboundStatus.DONE
        outs = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert [o.text for o in outs] == ["Guten Tag", "Zwei"]
        assert outs[0].buttons == [{"title": "Hilfe", "payload": "/help"}]
        assert all(o.inbound_message_id == claim.inbound_id for o in outs)


def test_no_reply_from_the_assistant_still_answers_the_citizen(db: Database) -> None:
    _receive(db, "session-a", "m1", "Hallo")
    claim = _claim(db)
    assert claim is not None
    assert _complete(db, claim, [])
    with db.read_session() as session:
        assert session.scalars(select(OutboundMessage.text)).all() == ["leer"]


def test_a_worker_that_lost_its_claim_writes_nothing(db: Database) -> None:
    _receive(db, "session-a", "m1", "Hallo")
    stale = _claim(db)
    assert stale is not None
    later = utcnow() + timedelta(seconds=120)
    fresh = _claim(db, now=later, lease_seconds=60)
    assert fresh is not None and fresh.inbound_id == stale.inbound_id
    assert not _complete(db, stale, [Reply("zu spät")])
    assert _complete(db, fresh, [Reply("richtig")])
    with db.read_session() as session:
        assert session.scalars(select(OutboundMessage.text)).all() == ["richtig"]


def test_deferral_sends_one_holding_reply_per_outage(db: Database) -> None:
    _receive(db, "session-a", "m1", "Eins")
    _receive(db, "session-a", "m2", "Zwei")
    hold = Reply("Bitte warten")
    for _ in range(3):
        claim = _claim(db, now=utcnow() + timedelta(minutes=5))
        assert claim is not None and claim.text == "Eins"
        with db.session() as session:
            service.defer_inbound(
                session, claim, error="down", holding_reply=hold, retry_max_seconds=1
            )
    with db.read_session() as session:
        kinds = session.scalars(select(OutboundMessage.kind)).all()
        assert kinds == [OutboundKind.HOLDING]
    claim = _claim(db, now=utcnow() + timedelta(minutes=5))
    assert claim is not None and claim.text == "Eins"
    assert claim.attempts == 4
    assert _complete(db, claim, [Reply("Antwort")])
    # After an answer the outage is over: a new outage gets a new holding reply.
    claim = _claim(db, now=utcnow() + timedelta(minutes=5))
    assert claim is not None and claim.text == "Zwei"
    with db.session() as session:
        assert service.defer_inbound(
            session, claim, error="down", holding_reply=hold, retry_max_seconds=1
        )


def test_deferred_message_waits_for_its_backoff(db: Database) -> None:
    _receive(db, "session-a", "m1", "Eins")
    claim = _claim(db)
    assert claim is not None
    deferred_at = utcnow()
    with db.session() as session:
        service.defer_inbound(
            session,
            claim,
            error="down",
            holding_reply=Reply("warten"),
            retry_max_seconds=30,
            now=deferred_at,
        )
    # The first retry waits 0.25-0.5 s; a fixed clock keeps a loaded machine out of it.
    assert _claim(db, now=deferred_at + timedelta(seconds=0.2)) is None
    assert _claim(db, now=deferred_at + timedelta(seconds=31)) is not None


def test_release_unfinished_resumes_rows_a_crash_left_behind(db: Database) -> None:
    _receive(db, "session-a", "m1", "Eins")
    claim = _claim(db)
    assert claim is not None
    assert _claim(db) is None
    with db.session() as session:
        assert service.release_unfinished(session) == (1, 0)
    again = _claim(db)
    assert again is not None and again.inbound_id == claim.inbound_id


def test_outbox_is_delivered_in_order_per_conversation(db: Database) -> None:
    _receive(db, "session-a", "m1", "Eins")
    claim = _claim(db)
    assert claim is not None
    _complete(db, claim, [Reply("A"), Reply("B")])
    with db.session() as session:
        first = service.claim_next_outbound(session, keys=KEYS, channels=("web",))
    with db.session() as session:
        assert service.claim_next_outbound(session, keys=KEYS, channels=("web",)) is None
    assert first is not None and first.text == "A" and first.address == "session-a"
    with db.session() as session:
        service.finish_outbound(session, first, sent=False, retry_in_seconds=0)
    with db.session() as session:
        retried = service.claim_next_outbound(
            session, keys=KEYS, channels=("web",), now=utcnow() + timedelta(seconds=1)
        )
    assert retried is not None and retried.text == "A" and retried.attempts == 2
    with db.session() as session:
        service.finish_outbound(session, retried, sent=True)
    with db.session() as session:
        second = service.claim_next_outbound(session, keys=KEYS, channels=("web",))
    assert second is not None and second.text == "B"
