"""Use cases: count feedback per article, record and list unanswered questions.

Each function runs inside the caller's unit of work (``Database.session()``), which
commits once. Counters are bumped with a conditional UPDATE first and an INSERT in a
savepoint only when the row is missing, so concurrent workers on PostgreSQL never lose
a count and never fail on the unique key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.db import Base, utcnow
from helpdesk.knowledge.models import ArticleFeedback, UnansweredQuestion
from helpdesk.knowledge.redact import redact

CHANNELS = frozenset({"web", "sms", "telegram"})


@dataclass(frozen=True)
class Unanswered:
    """One row of the editors' list."""

    question: str
    count: int
    first_seen: date
    last_seen: date


def _bump(
    session: Session,
    model: type[Base],
    where: ColumnElement[bool],
    values: dict[str, object],
    make: Callable[[], Base],
) -> None:
    for _ in range(2):
        result = session.execute(
            update(model).where(where).values(values).execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return
        try:
            with session.begin_nested():
                session.add(make())
            return
        except IntegrityError:
            continue  # another transaction inserted it meanwhile: update that row
    raise RuntimeError(f"could not count a {model.__tablename__} row")


def record_feedback(
    session: Session, *, article_id: str, helpful: bool, channel: str, day: date | None = None
) -> None:
    """Count one "Hat geholfen" (or "Hat nicht geholfen") for an article."""
    day = day or utcnow().date()
    channel = channel if channel in CHANNELS else "other"
    _bump(
        session,
        ArticleFeedback,
        (ArticleFeedback.day == day)
        & (ArticleFeedback.article_id == article_id)
        & (ArticleFeedback.channel == channel)
        & (ArticleFeedback.helpful == helpful),
        {"count": ArticleFeedback.count + 1},
        lambda: ArticleFeedback(
            day=day, article_id=article_id, channel=channel, helpful=helpful, count=1
        ),
    )


def feedback_counts(session: Session) -> dict[str, tuple[int, int]]:
    """(helpful, not helpful) per article id, over all days and channels."""
    counts: dict[str, list[int]] = {}
    for article_id, helpful, count in session.execute(
        select(ArticleFeedback.article_id, ArticleFeedback.helpful, ArticleFeedback.count)
    ):
        counts.setdefault(article_id, [0, 0])[0 if helpful else 1] += count
    return {key: (value[0], value[1]) for key, value in counts.items()}


def record_unanswered(session: Session, question: str, *, day: date | None = None) -> str | None:
    """Count a question no article fitted, redacted; returns what was stored (or None
    when nothing is left after redaction)."""
    redacted = redact(question)
    if not redacted:
        return None
    day = day or utcnow().date()
    key = hashlib.sha256(redacted.encode()).hexdigest()
    _bump(
        session,
        UnansweredQuestion,
        UnansweredQuestion.question_hash == key,
        {"count": UnansweredQuestion.count + 1, "last_seen": day},
        lambda: UnansweredQuestion(
            question_hash=key, question=redacted, count=1, first_seen=day, last_seen=day
        ),
    )
    return redacted


def list_unanswered(session: Session, *, limit: int = 50) -> list[Unanswered]:
    """The most frequent unanswered questions first, then the most recent."""
    rows = session.scalars(
        select(UnansweredQuestion)
        .order_by(
            UnansweredQuestion.count.desc(),
            UnansweredQuestion.last_seen.desc(),
            UnansweredQuestion.id,
        )
        .limit(limit)
    )
    return [Unanswered(r.question, r.count, r.first_seen, r.last_seen) for r in rows]
