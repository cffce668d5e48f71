"""Tables of the conversation hub.

Personal data (the channel address, message texts) lives only in ``contact``,
``inbound_message`` and ``outbound_message``; the address only encrypted, found by a
blind index (``helpdesk.privacy.crypto``). Everything that leaves the app to Rasa or
analytics uses ``conversation.pseudonym``, a keyed HMAC.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, UTCDateTime, utcnow


class Channel(enum.StrEnum):
    """Channels a citizen can write on."""

    WEB = "web"
    TELEGRAM = "telegram"
    SMS = "sms"


class InboundStatus(enum.StrEnum):
    """Life cycle of an inbound message."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class OutboundStatus(enum.StrEnum):
    """Life cycle of an outbox row."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboundKind(enum.StrEnum):
    """Why an outbox row exists."""

    REPLY = "reply"
    HOLDING = "holding"
    SYSTEM = "system"
    STAFF = "staff"  # a help desk reply written by a person (helpdesk.tickets)
    FAREWELL = "farewell"  # the last message after an erasure


class Contact(Base):
    """A citizen's address on one channel (web session token, chat id, phone number).

    ``address_enc`` is the address encrypted at rest; ``address_index`` its keyed HMAC,
    used for look-ups and the unique constraint. No column holds it in plain text.
    """

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("channel", "address_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address_enc: Mapped[str] = mapped_column(Text)
    address_index: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """One citizen's conversation on one channel."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    pseudonym_key_id: Mapped[str] = mapped_column(String(16), default="1")
    notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    erase_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    holding_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contact: Mapped[Contact] = relationship()


class InboundMessage(Base):
    """A citizen message, stored before it is acknowledged; unique per channel id."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("conversation_id", "channel_message_id"),
        Index("ix_inbound_message_queue", "status", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    channel_message_id: Mapped[str] = mapped_column(String(128))
    # Phone numbers are replaced by a placeholder in ``text``; they are kept here,
    # encrypted with the contact keys (helpdesk.privacy.phones).
    text: Mapped[str] = mapped_column(Text)
    numbers_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutboundMessage(Base):
    """A reply waiting for, or done with, delivery on the citizen's channel."""

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_message_queue", "status", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default=OutboundKind.REPLY)
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
