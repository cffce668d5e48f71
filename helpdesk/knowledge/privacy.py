"""Unanswered questions in the citizen's erasure.

The editors' list of unanswered questions keeps redacted texts without any link to a
conversation. When a citizen has their data erased, every question of theirs that is
on the list is counted down (and removed when nobody else asked it), found by
redacting their messages the same way again.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.conversations.models import InboundMessage
from helpdesk.knowledge.models import UnansweredQuestion
from helpdesk.knowledge.redact import redact


def erase_unanswered(session: Session, conversation_id: int) -> int:
    """Count down the conversation's questions on the editors' list; returns how many."""
    texts = session.scalars(
        select(InboundMessage.text).where(InboundMessage.conversation_id == conversation_id)
    )
    removed = 0
    for text in texts:
        redacted = redact(text or "")
        if not redacted:
            continue
        key = hashlib.sha256(redacted.encode()).hexdigest()
        row = session.scalar(
            select(UnansweredQuestion).where(UnansweredQuestion.question_hash == key)
        )
        if row is None:
            continue
        if row.count > 1:
            row.count -= 1
        else:
            session.delete(row)
        removed += 1
    return removed
