"""Builders for help desk tests: places, staff rows, conversations and principals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.conversations import service as hub
from helpdesk.conversations.models import Conversation
from helpdesk.places.models import Place
from helpdesk.staff.models import StaffPlace, StaffUser
from helpdesk.staff.principal import Role, StaffPrincipal
from tests.keys import keyring


def add_place(
    session: Session, key: str, *, hours: str = "Mo-Fr 10:00-18:00", closures: str = ""
) -> int:
    place = Place(
        key=key,
        name=f"Ort {key}",
        operator_type="bibliothek",
        stadtbezirk="Hombruch",
        stufe=2,
        accessibility="yes",
        consultation_hours=hours,
        opening_hours=hours,
        closures=closures,
    )
    session.add(place)
    session.flush()
    return place.id


def add_staff(
    session: Session, username: str, role: Role, place_ids: tuple[int, ...] = ()
) -> StaffPrincipal:
    user = StaffUser(
        username=username, display_name=username.title(), role=role, password_hash="not-a-hash"
    )
    session.add(user)
    session.flush()
    for place_id in place_ids:
        session.add(StaffPlace(staff_id=user.id, place_id=place_id))
    session.flush()
    return StaffPrincipal(user.id, username, username.title(), role, frozenset(place_ids))


def add_conversation(session: Session, address: str, channel: str = "web") -> Conversation:
    return hub.get_or_create_conversation(
        session, channel=channel, address=address, keys=keyring("k")
    )


def at(text: str) -> datetime:
    """A timezone-aware instant from ISO text with offset, e.g. 2026-11-27T17:00+01:00."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value
