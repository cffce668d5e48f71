"""Tables for editors: feedback counts per article, unanswered questions (redacted).

Neither table holds a conversation id, a contact or an exact time: feedback is a count
per article, channel and day; an unanswered question is stored only after
``helpdesk.knowledge.redact`` removed what could identify a person.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base


class ArticleFeedback(Base):
    """How often an article helped (or not) on one channel and day."""

    __tablename__ = "article_feedback"
    __table_args__ = (UniqueConstraint("day", "article_id", "channel", "helpful"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    article_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    helpful: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(Integer, default=0)


class UnansweredQuestion(Base):
    """A redacted, normalised question no article fitted, with how often it came."""

    __tablename__ = "unanswered_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of `question`: a unique key that works for long texts on every backend.
    question_hash: Mapped[str] = mapped_column(String(64), unique=True)
    question: Mapped[str] = mapped_column(String(300))
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[date] = mapped_column(Date)
    last_seen: Mapped[date] = mapped_column(Date, index=True)
