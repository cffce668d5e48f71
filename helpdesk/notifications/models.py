"""What the notification job sent: one row per ticket and event, inserted once.

The unique constraint on ``(ticket_id, event)`` is the claim: whichever process inserts
the row first sends the mail; every other process (or a restart) finds it and skips.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, UTCDateTime, utcnow


class NotifyEvent(enum.StrEnum):
    """Why the staff get a mail."""

    DRINGEND = "dringend"  # a new ticket with priority "dringend"
    OVERDUE = "overdue"  # the first-response due time passed without a first response


class NotificationSent(Base):
    """One e-mail about one ticket and event (sent, or claimed and still to be sent)."""

    __tablename__ = "notification_sent"
    __table_args__ = (UniqueConstraint("ticket_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # While unsent: nobody else tries before this (a crashed sender's claim runs out).
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[int] = mapped_column(Integer, default=0)  # a count, no addresses
