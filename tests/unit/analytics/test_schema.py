"""The demand-event table has no place for personal data, and the recorder refuses it."""

from __future__ import annotations

import pytest
from sqlalchemy import String, Text

from helpdesk.analytics.events import Demand, conversation_ref, validate
from helpdesk.analytics.models import DemandEvent, Outcome

ALLOWED = {
    "id",
    "occurred_at",
    "day",
    "month",
    "channel",
    "stadtbezirk",
    "topic",
    "competence_area",
    "outcome",
    "level_needed",
    "place_id",
    "conversation_ref",
    "generated",
}


def test_only_categorical_columns_exist() -> None:
    columns = DemandEvent.__table__.columns
    assert {c.name for c in columns} == ALLOWED, "a new column needs a privacy review"
    for column in columns:
        assert not isinstance(column.type, Text), column.name
        if isinstance(column.type, String):
            assert column.type.length is not None and column.type.length <= 64, column.name


@pytest.mark.parametrize(
    "demand",
    [
        Demand("web", Outcome.ANSWERED, topic="ich heiße Erika Muster"),
        Demand("web", Outcome.ANSWERED, topic="+4917012345678"),
        Demand("whatsapp", Outcome.ANSWERED),
        Demand("sms", "gelesen"),  # type: ignore[arg-type]
        Demand("sms", Outcome.ROUTED, stadtbezirk="Musterstraße 5"),
        Demand("sms", Outcome.ROUTED, level_needed=7),
    ],
)
def test_free_text_and_unknown_values_are_refused(demand: Demand) -> None:
    with pytest.raises(ValueError):
        validate(demand)


def test_conversation_refs_are_keyed_and_differ_from_the_pseudonym() -> None:
    ref = conversation_ref("key-1", "pseudonym-abc")
    assert ref != "pseudonym-abc" and len(ref) == 64
    assert ref == conversation_ref("key-1", "pseudonym-abc")
    assert ref != conversation_ref("key-2", "pseudonym-abc")
