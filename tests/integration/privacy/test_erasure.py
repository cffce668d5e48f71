"""Erasure (Art. 17): after "LÖSCHEN" + "JA", nothing of the citizen is left anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.analytics.events import record_for_sender
from helpdesk.analytics.models import DemandEvent, Outcome
from helpdesk.channels import sms_state
from helpdesk.conversations import service
from helpdesk.conversations.models import (
    Contact,
    Conversation,
    InboundMessage,
    OutboundMessage,
)
from helpdesk.conversations.service import Button, InboundClaim, Reply
from helpdesk.db import Database, utcnow
from helpdesk.hooks import register_privacy_hooks
from helpdesk.privacy import erasure
from helpdesk.privacy.commands import CONFIRM_PAYLOAD, PrivacyCommands, erase_question
from helpdesk.privacy.erasure import erase_conversation, finish_erasures, register_eraser
from helpdesk.privacy.models import PrivacyAudit
from helpdesk.privacy.tracker import RasaTracker
from helpdesk.texts import text
from helpdesk.tickets.handoff import HandoffRequest, hand_off
from helpdesk.tickets.models import Priority, Ticket, TicketMessage, TicketType
from helpdesk.tickets.service import due_rules_from
from tests.integration.privacy.conftest import add_events, dump_database
from tests.keys import KEYS

PHONE = "+491701234567"
CHAT_ID = "987654321"
WEB_TOKEN = "websessiontoken-abcdefghijklmnop"
CITIZENS = {"sms": PHONE, "telegram": CHAT_ID, "web": WEB_TOKEN}
NOTICE = "Datenschutz-Hinweis"


def _texts(channel: str) -> list[str]:
    return [f"Quirinus fragt per {channel} nach Zebrafinken", f"Antwort zu Zebrafinken {channel}"]


def _claim(db: Database) -> InboundClaim:
    with db.session() as session:
        claim = service.claim_next_inbound(session)
    assert claim is not None
    return claim


def _seed(db: Database, tracker_url: str, channel: str) -> int:
    """A conversation with a question, Rasa's answer (with buttons), SMS rows, tracker rows."""
    question, answer = _texts(channel)
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel=channel, address=CITIZENS[channel], keys=KEYS, notice=NOTICE
        )
        service.receive_message(
            session, conversation, channel_message_id="m1", text=question, keys=KEYS
        )
        conversation_id, pseudonym = conversation.id, conversation.pseudonym
    claim = _claim(db)
    with db.session() as session:
        service.complete_inbound(
            session, claim, [Reply(answer, (Button(answer, f"/{answer}"),))], empty_reply=Reply("-")
        )
        if channel == "sms":
            outbound_id = session.scalars(select(OutboundMessage.id)).all()[-1]
            sms_state.record_sent(
                session,
                conversation_id=conversation_id,
                outbound_id=outbound_id,
                sid="SM" + "1" * 32,
                status="queued",
                more_pages=[answer],
                choices=(Button(answer, f"/{answer}"),),
            )
    add_events(tracker_url, pseudonym, [question, answer])
    with db.session() as session:  # a routed place and a ticket with a call-back number
        record_for_sender(
            session, sender=pseudonym, key="k", outcome=Outcome.ROUTED, stadtbezirk="Hörde"
        )
        opened, _ = hand_off(
            session,
            HandoffRequest(
                pseudonym=pseudonym,
                type=TicketType.RUECKRUF,
                priority=Priority.HOCH,
                topic="persoenliche_hilfe",
                stadtbezirk="Hörde",
                summary=question,
                phone=CITIZENS["sms"],
            ),
            now=utcnow(),
            rules=due_rules_from("Mo-Fr 09:00-17:00", normal=240, hoch=120, dringend=60),
            keys=KEYS,
        )
        session.add(TicketMessage(ticket_id=opened.ticket_id, author="staff", text=answer))
    return conversation_id


def _say(db: Database, conversation_id: int, message_id: str, body: str) -> None:
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        service.receive_message(
            session, conversation, channel_message_id=message_id, text=body, keys=KEYS
        )


def _deliver_all(db: Database) -> list[str]:
    sent = []
    while True:
        with db.session() as session:
            claim = service.claim_next_outbound(
                session, keys=KEYS, channels=("sms", "telegram", "web")
            )
            if claim is None:
                return sent
            service.finish_outbound(session, claim, sent=True)
            sent.append(claim.address)


async def test_erasure_leaves_no_address_or_text_in_any_table_of_app_and_tracker(
    db: Database, database_url: str, tracker_url: str, tracker: RasaTracker
) -> None:
    register_privacy_hooks(KEYS)  # tickets and the editors' lists take part too
    ids = {channel: _seed(db, tracker_url, channel) for channel in CITIZENS}
    needles = [PHONE, CHAT_ID, WEB_TOKEN] + [t for c in CITIZENS for t in _texts(c)]
    before = dump_database(database_url) + dump_database(tracker_url)
    # The scan can see texts (so "not found" below means something) ...
    assert all(t in before for c in CITIZENS for t in _texts(c))
    # ... while addresses are never stored in plain text, not even before erasure.
    assert not any(address in before for address in CITIZENS.values())

    commands = PrivacyCommands(db, notices={"sms": NOTICE}, tracker=tracker)
    for channel, conversation_id in ids.items():
        with db.read_session() as session:
            before_id = session.scalar(select(func.max(OutboundMessage.id))) or 0
        _say(db, conversation_id, "m2", "LÖSCHEN")
        assert await commands.handle(_claim(db))
        _say(db, conversation_id, "m3", CONFIRM_PAYLOAD if channel != "web" else "ja")
        assert await commands.handle(_claim(db))
        with db.read_session() as session:
            farewell_id = session.scalar(
                select(func.max(OutboundMessage.id)).where(
                    OutboundMessage.conversation_id == conversation_id
                )
            )
        # Above every earlier id (SQLite reuses deleted ids; the web cursor would skip it).
        assert farewell_id is not None and farewell_id > before_id + 1

    # The farewell goes out last, to the (still decryptable) address, then all is gone.
    delivered = _deliver_all(db)
    assert set(delivered) >= set(CITIZENS.values())
    with db.read_session() as session:
        farewells = session.scalars(
            select(OutboundMessage.text).where(OutboundMessage.text == text("erase_done"))
        ).all()
    assert len(farewells) == 3
    with db.session() as session:
        finish_erasures(session, now=utcnow() + timedelta(seconds=11))

    after = dump_database(database_url) + dump_database(tracker_url)
    for needle in [*needles, text("erase_question")]:
        assert needle not in after, f"{needle!r} survived the erasure"
    with db.read_session() as session:
        for model in (Contact, Conversation, InboundMessage, OutboundMessage, TicketMessage):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        # Demand events hold nothing personal: they stay, as do the tickets' bare figures.
        assert session.scalar(select(func.count()).select_from(DemandEvent)) == 3
        assert session.scalar(select(func.count()).select_from(Ticket)) == 3
        audits = session.scalars(select(PrivacyAudit).where(PrivacyAudit.action == "erasure"))
        assert sorted(a.channel or "" for a in audits) == ["sms", "telegram", "web"]
    with db.read_session() as session:
        for audit in session.scalars(select(PrivacyAudit)):
            assert audit.actor == "citizen" and audit.counts["rasa_events"] == 4


async def test_rasa_asking_erase_makes_a_typed_ja_confirm(
    db: Database, tracker_url: str, tracker: RasaTracker
) -> None:
    conversation_id = _seed(db, tracker_url, "sms")
    commands = PrivacyCommands(db, notices={"sms": NOTICE}, tracker=tracker)
    _say(db, conversation_id, "m2", "ich will dass meine daten gelöscht werden")
    claim = _claim(db)
    assert not await commands.handle(claim)  # Rasa answers it ...
    with db.session() as session:
        commands.before_complete(session, claim, [erase_question()])  # ... asking "really?"
        service.complete_inbound(session, claim, [erase_question()], empty_reply=Reply("-"))
    _say(db, conversation_id, "m3", "Ja")
    assert await commands.handle(_claim(db))
    with db.read_session() as session:
        assert session.get(Conversation, conversation_id).erased_at is not None  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0


async def test_nein_erases_nothing_and_ja_without_question_goes_to_rasa(
    db: Database, tracker_url: str, tracker: RasaTracker
) -> None:
    conversation_id = _seed(db, tracker_url, "telegram")
    commands = PrivacyCommands(db, notices={"sms": NOTICE}, tracker=tracker)
    _say(db, conversation_id, "m2", "ja")
    assert not await commands.handle(_claim(db))  # no question pending: Rasa's turn
    with db.session() as session:
        session.execute(InboundMessage.__table__.update().values(status="done"))
    _say(db, conversation_id, "m3", "LÖSCHEN")
    assert await commands.handle(_claim(db))
    _say(db, conversation_id, "m4", "Nein")
    assert await commands.handle(_claim(db))
    with db.read_session() as session:
        texts = session.scalars(select(OutboundMessage.text).order_by(OutboundMessage.id)).all()
        assert texts[-1] == text("erase_cancelled")
        assert session.get(Conversation, conversation_id).erased_at is None  # type: ignore[union-attr]
    assert tracker.erase_sender("nobody", dry_run=True) == 0
    assert _texts("telegram")[0] in dump_database(tracker_url)


async def test_a_message_sent_after_confirming_is_kept_and_answered(
    db: Database, tracker_url: str, tracker: RasaTracker
) -> None:
    conversation_id = _seed(db, tracker_url, "sms")
    commands = PrivacyCommands(db, notices={"sms": NOTICE}, tracker=tracker)
    _say(db, conversation_id, "m2", CONFIRM_PAYLOAD)
    _say(db, conversation_id, "m3", "Noch eine Frage zu WLAN")  # arrives during the erasure
    assert await commands.handle(_claim(db))
    later = _claim(db)
    assert later.text == "Noch eine Frage zu WLAN"
    _deliver_all(db)
    with db.session() as session:
        finish_erasures(session, now=utcnow() + timedelta(minutes=5))
    with db.read_session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.erased_at is None  # goes on
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
        bodies = session.scalars(select(InboundMessage.text)).all()
        assert bodies == ["Noch eine Frage zu WLAN"]


def test_admin_erasure_runs_registered_erasers_in_the_same_transaction(
    db: Database, tracker_url: str, tracker: RasaTracker
) -> None:
    conversation_id = _seed(db, tracker_url, "web")
    seen: list[int] = []

    def feature_eraser(session: object, cid: int) -> int:
        seen.append(cid)
        return 2

    register_eraser("test-feature", feature_eraser)
    try:
        with db.session() as session:
            result = erase_conversation(session, conversation_id, actor="admin:7", tracker=tracker)
    finally:
        erasure._ERASERS.pop("test-feature")
    assert seen and set(seen) == {conversation_id}
    assert result.finished and result.counts["test-feature"] >= 2
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
    assert tracker.export_sender("x") == []
    with pytest.raises(LookupError), db.session() as session:
        erase_conversation(session, conversation_id, actor="admin:7")
