"""Retention with an injectable clock: what is older than the period goes, the rest stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from helpdesk.channels.limits import OpenPoll, RateLimit
from helpdesk.conversations import service
from helpdesk.conversations.models import Contact, InboundMessage, OutboundMessage
from helpdesk.conversations.service import Reply
from helpdesk.db import Database, utcnow
from helpdesk.privacy.jobs import PrivacyJob
from helpdesk.privacy.models import PrivacyAudit
from helpdesk.privacy.retention import apply_retention
from helpdesk.privacy.tracker import RasaTracker
from tests.integration.privacy.conftest import add_events, dump_database
from tests.keys import KEYS


def _conversation(db: Database, address: str, body: str, *, days_ago: float) -> str:
    at = utcnow() - timedelta(days=days_ago)
    with db.session() as session:
        conversation = service.get_or_create_conversation(
            session, channel="sms", address=address, keys=KEYS, now=at
        )
        service.receive_message(
            session, conversation, channel_message_id=body, text=body, now=at, keys=KEYS
        )
    with db.session() as session:
        claim = service.claim_next_inbound(session, now=at)
        assert claim is not None
        service.complete_inbound(
            session, claim, [Reply(f"re {body}")], empty_reply=Reply("-"), now=at
        )
        return str(claim.pseudonym)


def test_retention_erases_old_conversations_and_messages_and_keeps_recent_ones(
    db: Database, database_url: str, tracker_url: str, tracker: RasaTracker
) -> None:
    now = utcnow()
    old = _conversation(db, "+491700000001", "alte Frage Zebrafink", days_ago=120)
    recent = _conversation(db, "+491700000002", "neue Frage Kanarienvogel", days_ago=3)
    add_events(
        tracker_url, old, ["alte Frage Zebrafink"], at=(now - timedelta(days=120)).timestamp()
    )
    add_events(
        tracker_url, recent, ["neue Frage Kanarienvogel"], at=(now - timedelta(days=3)).timestamp()
    )

    with db.session() as session:
        dry = apply_retention(session, now=now, days=90, tracker=tracker, dry_run=True)
        session.rollback()
    assert dry.counts["conversation"] == 1 and dry.counts["rasa_events"] == 2
    assert "alte Frage Zebrafink" in dump_database(database_url)  # a dry run erases nothing

    job = PrivacyJob(db, tracker=tracker, retention_days=90, clock=lambda: now)
    report = job.retention()
    assert report.counts["conversation"] == 1
    assert report.counts["contact"] == 1
    assert report.counts["rasa_events"] == 2

    everything = dump_database(database_url) + dump_database(tracker_url)
    assert "alte Frage Zebrafink" not in everything
    assert "neue Frage Kanarienvogel" in everything
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        audit = session.scalars(
            select(PrivacyAudit).where(PrivacyAudit.action == "retention")
        ).one()
        assert audit.counts == report.counts


def test_old_messages_of_a_live_conversation_go_but_unfinished_ones_stay(db: Database) -> None:
    now = utcnow()
    _conversation(db, "+491700000003", "uralte Nachricht", days_ago=100)
    with db.session() as session:
        conversation = service.find_conversation(
            session, channel="sms", address="+491700000003", keys=KEYS
        )
        assert conversation is not None
        session.execute(OutboundMessage.__table__.update().values(status="sent"))
        service.receive_message(
            session,
            conversation,
            channel_message_id="old-pending",
            text="wartet noch",
            now=now - timedelta(days=100),
            keys=KEYS,
        )
        conversation.last_activity_at = now  # still writing
    with db.session() as session:
        report = apply_retention(session, now=now, days=90)
    assert report.counts["inbound_message"] == 1 and report.counts["outbound_message"] == 1
    with db.read_session() as session:
        assert session.scalars(select(InboundMessage.text)).all() == ["wartet noch"]
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_web_chat_sessions_that_never_wrote_go_after_a_day_and_spent_limits_go_too(
    db: Database,
) -> None:
    """Hardening finding 3: sessions made by the thousand must not stay for 90 days."""
    now = utcnow()
    with db.session() as session:
        for address, hours_ago in (("leer-alt-" + "x" * 20, 25), ("leer-neu-" + "x" * 20, 2)):
            service.get_or_create_conversation(
                session,
                channel="web",
                address=address,
                keys=KEYS,
                now=now - timedelta(hours=hours_ago),
            )
        talked = service.get_or_create_conversation(
            session,
            channel="web",
            address="geschrieben-" + "x" * 20,
            keys=KEYS,
            now=now - timedelta(hours=30),
        )
        service.receive_message(
            session,
            talked,
            channel_message_id="m1",
            text="Hallo",
            keys=KEYS,
            now=now - timedelta(hours=30),
        )
        session.add_all(
            [
                RateLimit(key_hash="a" * 64, full_at=now - timedelta(minutes=5)),
                RateLimit(key_hash="b" * 64, full_at=now + timedelta(minutes=5)),
                RateLimit(
                    key_hash="c" * 64,
                    full_at=now - timedelta(minutes=5),
                    noticed_until=now + timedelta(minutes=5),
                ),
                OpenPoll(session_key="d", address_key="e", expires_at=now - timedelta(seconds=1)),
            ]
        )
    job = PrivacyJob(
        db, tracker=None, retention_days=90, empty_web_session_hours=24, clock=lambda: now
    )
    report = job.retention()
    assert report.counts["empty_web_session"] == 1
    assert report.counts["rate_limit"] == 2  # the spent rate and the stale poll
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 2
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert session.scalars(select(RateLimit.key_hash).order_by(RateLimit.key_hash)).all() == [
            "b" * 64,
            "c" * 64,
        ]
