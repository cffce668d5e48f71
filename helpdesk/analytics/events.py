"""Recording demand events. Callers pass only categorical facts; nothing personal fits."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from helpdesk.analytics.models import OUTCOMES, DemandEvent, Outcome
from helpdesk.db import utcnow
from helpdesk.places.geo import get_geography

CHANNELS = ("web", "telegram", "sms")
BERLIN = ZoneInfo("Europe/Berlin")
_SLUG_MAX = 64


def conversation_ref(key: str, pseudonym: str) -> str:
    """A keyed HMAC of the conversation pseudonym, separate from the one Rasa sees."""
    return hmac.new(key.encode(), b"analytics:" + pseudonym.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Demand:
    """The categorical facts of one interaction."""

    channel: str
    outcome: Outcome
    stadtbezirk: str | None = None
    topic: str | None = None
    competence_area: str | None = None
    level_needed: int | None = None
    place_id: int | None = None


def _slug(value: str | None) -> str | None:
    """Topics are article slugs; anything else (free text) is refused, not stored."""
    if value is None:
        return None
    if len(value) > _SLUG_MAX or not all(c.isalnum() or c in "-_" for c in value):
        raise ValueError("topic must be a slug such as 'fotos'")
    return value


def validate(demand: Demand) -> Demand:
    """Raise ``ValueError`` for values outside the closed vocabularies."""
    if demand.channel not in CHANNELS:
        raise ValueError(f"unknown channel {demand.channel!r}")
    if demand.outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {demand.outcome!r}")
    if demand.stadtbezirk is not None and demand.stadtbezirk not in get_geography().districts:
        raise ValueError("unknown Stadtbezirk")
    if demand.level_needed is not None and not 1 <= demand.level_needed <= 4:
        raise ValueError("level_needed must be 1..4")
    if demand.competence_area is not None and len(demand.competence_area) > 8:
        raise ValueError("competence_area too long")
    _slug(demand.topic)
    return demand


def record(
    session: Session,
    demand: Demand,
    *,
    ref: str,
    at: datetime | None = None,
    generated: bool = False,
) -> DemandEvent:
    """Add one event to the session (the caller's transaction commits it)."""
    validate(demand)
    at = at or utcnow()
    local_day = at.astimezone(BERLIN).date()
    event = DemandEvent(
        occurred_at=at,
        day=local_day,
        month=local_day.isoformat()[:7],
        channel=demand.channel,
        stadtbezirk=demand.stadtbezirk,
        topic=demand.topic,
        competence_area=demand.competence_area,
        outcome=demand.outcome,
        level_needed=demand.level_needed,
        place_id=demand.place_id,
        conversation_ref=ref,
        generated=generated,
    )
    session.add(event)
    return event
