"""Claims shared by the inbox and the outbox: tokens, retry backoff, start-up release.

A worker claims a row by writing a random token into it; only the holder of that token
may finish the row. A claim whose lease ran out may be taken by another worker.
"""

from __future__ import annotations

import random
import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session

from helpdesk.conversations.models import (
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
)
from helpdesk.db import utcnow


def new_token() -> str:
    """A random claim token."""
    return secrets.token_hex(16)


def backoff_seconds(attempts: int, maximum: float) -> float:
    """Exponential backoff with full jitter: 0.5 s, 1 s, 2 s, ... up to ``maximum``."""
    ceiling = min(maximum, 0.5 * (2 ** max(attempts - 1, 0)))
    return random.uniform(ceiling / 2, ceiling)


def release_unfinished(session: Session) -> tuple[int, int]:
    """Single-process start-up: everything this process left in flight becomes due again."""
    inbound = session.execute(
        update(InboundMessage)
        .where(InboundMessage.status == InboundStatus.PROCESSING)
        .values(status=InboundStatus.PENDING, claim_token=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    outbound = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == OutboundStatus.SENDING)
        .values(status=OutboundStatus.PENDING, claim_token=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return inbound.rowcount, outbound.rowcount  # type: ignore[attr-defined]
