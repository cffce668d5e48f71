"""The demand-event table: what was asked where, never who asked or what they wrote.

The schema has no column that could hold personal data: no free text, no address, no
channel message id. ``conversation_ref`` is a keyed HMAC of the conversation's pseudonym,
so events of one conversation can be counted together but not traced back to a person
without the key. ``tests/unit/analytics/test_schema.py`` keeps it that way.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, UTCDateTime


class Outcome(enum.StrEnum):
    """What came of one interaction."""

    ANSWERED = "answered"  # an article was given
    CLARIFIED = "clarified"  # the bot offered 2-3 titles to choose from
    ROUTED = "routed"  # a place was suggested
    HANDED_OFF = "handed_off"  # a ticket for a human was created
    UNANSWERED = "unanswered"  # nothing fitted
    HELPFUL = "helpful"  # feedback "Hat geholfen"
    NOT_HELPFUL = "not_helpful"  # feedback "Hat nicht geholfen"


OUTCOMES = tuple(o.value for o in Outcome)


class DemandEvent(Base):
    """One pseudonymous interaction, for the organisers' dashboard."""

    __tablename__ = "demand_event"
    __table_args__ = (
        CheckConstraint("level_needed IS NULL OR level_needed BETWEEN 1 AND 4", name="level"),
        Index("ix_demand_event_day", "day"),
        Index("ix_demand_event_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Local (Europe/Berlin) calendar day and month of ``occurred_at``: what the dashboard
    # filters and groups by, the same on SQLite and PostgreSQL.
    day: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))
    channel: Mapped[str] = mapped_column(String(16))
    stadtbezirk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    topic: Mapped[str | None] = mapped_column(String(64), nullable=True)
    competence_area: Mapped[str | None] = mapped_column(String(8), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    level_needed: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    place_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    conversation_ref: Mapped[str] = mapped_column(String(64))
    generated: Mapped[bool] = mapped_column(Boolean, default=False)


class DemandMonth(Base):
    """Demand events counted per month and combination of categories.

    The dashboard reads whole months from here and only the days at the edges of a date
    range from ``demand_event``, so its queries stay fast with millions of events.
    Unknown values are stored as "" (and level 0) so that they can be part of the key.
    Kept up to date by ``helpdesk.analytics.events.record`` and ``refresh_months``.
    """

    __tablename__ = "demand_month"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    stadtbezirk: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    competence_area: Mapped[str] = mapped_column(String(8), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    level_needed: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    generated: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
