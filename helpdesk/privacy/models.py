"""The privacy audit log: what was erased or exported, when, by whom; counts only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, UTCDateTime, utcnow


class PrivacyAudit(Base):
    """One erasure, retention run or export. Holds no address, text or pseudonym."""

    __tablename__ = "privacy_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
