"""Recording demand events. Callers pass only categorical facts; nothing personal fits."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk.analytics.models import OUTCOMES, DemandEvent, DemandMonth, Outcome
from helpdesk.conversations.models import Conversation
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
    _count_in_month(session, event)
    return event


def _month_key(event: DemandEvent) -> dict[str, object]:
    return {
        "month": event.month,
        "channel": event.channel,
        "stadtbezirk": event.stadtbezirk or "",
        "topic": event.topic or "",
        "competence_area": event.competence_area or "",
        "outcome": event.outcome,
        "level_needed": event.level_needed or 0,
        "generated": bool(event.generated),
    }


def _count_in_month(session: Session, event: DemandEvent) -> None:
    """Add one to the event's monthly counter (an upsert; safe under concurrency)."""
    values = {**_month_key(event), "n": 1}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt_pg = postgresql.insert(DemandMonth).values(values)
        session.execute(
            stmt_pg.on_conflict_do_update(
                constraint="pk_demand_month", set_={"n": DemandMonth.n + 1}
            )
        )
        return
    stmt = sqlite.insert(DemandMonth).values(values)
    keys = [c for c in values if c != "n"]
    session.execute(stmt.on_conflict_do_update(index_elements=keys, set_={"n": DemandMonth.n + 1}))


def refresh_months(session: Session, months: Iterable[str]) -> None:
    """Recount the monthly counters of ``months`` from the events (after bulk changes)."""
    wanted = sorted(set(months))
    if not wanted:
        return
    session.execute(delete(DemandMonth).where(DemandMonth.month.in_(wanted)))
    e = DemandEvent
    keys = (
        e.month,
        e.channel,
        func.coalesce(e.stadtbezirk, ""),
        func.coalesce(e.topic, ""),
        func.coalesce(e.competence_area, ""),
        e.outcome,
        func.coalesce(e.level_needed, 0),
        e.generated,
    )
    counted = select(*keys, func.count()).where(e.month.in_(wanted)).group_by(*keys)
    columns = [
        "month",
        "channel",
        "stadtbezirk",
        "topic",
        "competence_area",
        "outcome",
        "level_needed",
        "generated",
        "n",
    ]
    session.execute(insert(DemandMonth).from_select(columns, counted))


def record_for_sender(
    session: Session,
    *,
    sender: str,
    key: str,
    outcome: Outcome,
    stadtbezirk: str | None = None,
    topic: str | None = None,
    competence_area: str | None = None,
    level_needed: int | None = None,
    place_id: int | None = None,
) -> bool:
    """Record an event for the conversation Rasa knows as ``sender`` (its pseudonym).

    Returns False, recording nothing, when no conversation has that pseudonym (a test
    client talking to Rasa directly, say): analytics never invents a channel.
    """
    channel = session.scalar(select(Conversation.channel).where(Conversation.pseudonym == sender))
    if channel is None:
        return False
    demand = Demand(
        channel=channel,
        outcome=outcome,
        stadtbezirk=stadtbezirk,
        topic=topic,
        competence_area=competence_area,
        level_needed=level_needed,
        place_id=place_id,
    )
    record(session, demand, ref=conversation_ref(key, sender))
    return True
