"""Tables of the help desk: tickets, their message thread and their event history.

A ticket belongs to one conversation. At most one ticket per conversation is open at a
time: ``ticket.open_conversation_id`` holds the conversation id while the ticket is open
and NULL afterwards, and a unique constraint on it enforces the rule on every backend.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, UTCDateTime, utcnow


class TicketType(enum.StrEnum):
    """What the citizen asked for."""

    FRAGE = "frage"  # answer in the chat
    RUECKRUF = "rueckruf"  # call back by phone


class TicketState(enum.StrEnum):
    """Life cycle of a ticket (German values: staff see them in filters and URLs)."""

    NEU = "neu"
    IN_BEARBEITUNG = "in_bearbeitung"
    WARTET_AUF_ANTWORT = "wartet_auf_antwort"
    GELOEST = "geloest"
    GESCHLOSSEN = "geschlossen"


OPEN_STATES = frozenset(
    {TicketState.NEU, TicketState.IN_BEARBEITUNG, TicketState.WARTET_AUF_ANTWORT}
)


class Priority(enum.StrEnum):
    """How soon someone must answer."""

    NORMAL = "normal"
    HOCH = "hoch"
    DRINGEND = "dringend"


PRIORITY_RANK = {Priority.DRINGEND: 0, Priority.HOCH: 1, Priority.NORMAL: 2}


class Author(enum.StrEnum):
    """Who wrote a ticket message."""

    CITIZEN = "citizen"
    STAFF = "staff"
    NOTE = "note"  # internal note: never sent to the citizen
    SYSTEM = "system"


class Ticket(Base):
    """A citizen's request for a person."""

    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_queue", "state", "place_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the citizen had their data erased: the ticket's figures stay, the link goes.
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id"), index=True, nullable=True
    )
    open_conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id"), unique=True, nullable=True
    )
    type: Mapped[str] = mapped_column(String(16), default=TicketType.FRAGE)
    state: Mapped[str] = mapped_column(String(24), default=TicketState.NEU)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), nullable=True)
    topic: Mapped[str] = mapped_column(String(100), default="")
    stadtbezirk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    # Both encrypted with the contact keys (helpdesk.privacy.crypto), like every phone
    # number: the call-back time as the citizen wrote it, and the number to call.
    callback_window: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TicketMessage(Base):
    """One entry of a ticket's thread: citizen text, staff reply or internal note."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    author: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id"), nullable=True
    )
    outbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_message.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketEvent(Base):
    """One change in a ticket's history (created, state, priority, assignee, place...)."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
