"""Feedback counts and unanswered questions on SQLite and PostgreSQL, and the CLI."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from sqlalchemy import inspect, select

from helpdesk.cli.main import main as diodo
from helpdesk.db import Database
from helpdesk.knowledge import service
from helpdesk.knowledge.models import ArticleFeedback, UnansweredQuestion

DAY = date(2026, 11, 24)


def test_feedback_is_a_count_per_article_channel_day_and_verdict(db: Database) -> None:
    with db.session() as session:
        for _ in range(3):
            service.record_feedback(
                session, article_id="wlan-verbinden", helpful=True, channel="sms", day=DAY
            )
        service.record_feedback(
            session, article_id="wlan-verbinden", helpful=False, channel="sms", day=DAY
        )
        service.record_feedback(
            session, article_id="wlan-verbinden", helpful=True, channel="web", day=DAY
        )
        service.record_feedback(
            session, article_id="apps-loeschen", helpful=False, channel="fax", day=DAY
        )
    with db.read_session() as session:
        rows = session.execute(
            select(
                ArticleFeedback.article_id,
                ArticleFeedback.channel,
                ArticleFeedback.helpful,
                ArticleFeedback.count,
            ).order_by(ArticleFeedback.id)
        ).all()
        assert [tuple(r) for r in rows] == [
            ("wlan-verbinden", "sms", True, 3),
            ("wlan-verbinden", "sms", False, 1),
            ("wlan-verbinden", "web", True, 1),
            ("apps-loeschen", "other", False, 1),
        ]
        assert service.feedback_counts(session) == {
            "wlan-verbinden": (4, 1),
            "apps-loeschen": (0, 1),
        }


def test_feedback_table_has_no_column_that_could_point_to_a_person(db: Database) -> None:
    columns = {c["name"] for c in inspect(db.engine).get_columns("article_feedback")}
    assert columns == {"id", "day", "article_id", "channel", "helpful", "count"}
    columns = {c["name"] for c in inspect(db.engine).get_columns("unanswered_question")}
    assert columns == {"id", "question_hash", "question", "count", "first_seen", "last_seen"}


def test_unanswered_questions_are_redacted_and_counted(db: Database) -> None:
    with db.session() as session:
        stored = service.record_unanswered(
            session, "Wie repariere ich meine Waschmaschine? Tel 0231 1234567", day=DAY
        )
        service.record_unanswered(
            session,
            "wie repariere ich meine  waschmaschine? tel 0171 7654321",
            day=date(2026, 11, 25),
        )
        service.record_unanswered(session, "Mein Auto springt nicht an", day=DAY)
        assert service.record_unanswered(session, "   ", day=DAY) is None
    assert stored == "wie repariere ich meine waschmaschine? tel [telefon]"
    with db.read_session() as session:
        rows = service.list_unanswered(session)
        texts = " ".join(r.question for r in session.scalars(select(UnansweredQuestion)))
    assert [(r.question, r.count, r.first_seen, r.last_seen) for r in rows] == [
        (stored, 2, DAY, date(2026, 11, 25)),
        ("mein auto springt nicht an", 1, DAY, DAY),
    ]
    assert "1234567" not in texts and "7654321" not in texts


def test_concurrent_counts_are_not_lost(db: Database) -> None:
    errors: list[BaseException] = []

    def count() -> None:
        try:
            for _ in range(5):
                with db.session() as session:
                    service.record_unanswered(session, "wie geht das mit dem fax", day=DAY)
                    service.record_feedback(
                        session, article_id="fax", helpful=True, channel="web", day=DAY
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read_session() as session:
        assert service.list_unanswered(session)[0].count == 20
        assert service.feedback_counts(session) == {"fax": (20, 0)}


def test_cli_lists_unanswered_questions_for_editors(
    db: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.session() as session:
        service.record_unanswered(session, "Ich heiße Erika. Wie stricke ich Socken?", day=DAY)
        service.record_unanswered(session, "ich heiße Paul. wie stricke ich socken?", day=DAY)
    assert diodo(["knowledge", "unanswered", "--url", database_url]) == 0
    out = capsys.readouterr().out
    assert "    2  2026-11-24  2026-11-24  ich heiße [name]. wie stricke ich socken?" in out
    assert "Erika" not in out and "Paul" not in out
    assert diodo(["knowledge", "unanswered", "--json", "--url", database_url]) == 0
    assert json.loads(capsys.readouterr().out)[0]["count"] == 2
