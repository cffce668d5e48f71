"""Tickets per place for organisers: counts and times only, small numbers hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from helpdesk.analytics.queries import Filters, tickets_by_place
from helpdesk.conversations.service import get_or_create_conversation
from helpdesk.db import Database
from helpdesk.places.models import Place
from helpdesk.tickets.models import Ticket
from tests.keys import keyring

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MARCH = Filters(date(2026, 3, 1), date(2026, 3, 31))


def _conversation(session, i: int) -> int:  # type: ignore[no-untyped-def]
    conversation = get_or_create_conversation(
        session, channel="web", address=f"web-session-{i}", keys=keyring("k")
    )
    return conversation.id


def test_times_and_counts_per_place(db: Database) -> None:
    with db.session() as session:
        place = Place(
            key="bib-eving",
            name="Bibliothek Eving",
            operator_type="bibliothek",
            stadtbezirk="Eving",
            stufe=3,
            accessibility="ja",
        )
        session.add(place)
        session.flush()
        # Six tickets at the library: first answers after 1..6 hours, due after 4 hours.
        for i in range(6):
            session.add(
                Ticket(
                    conversation_id=_conversation(session, i),
                    place_id=place.id,
                    created_at=T0,
                    first_response_due_at=T0 + timedelta(hours=4),
                    first_response_at=T0 + timedelta(hours=i + 1),
                    resolved_at=T0 + timedelta(hours=10) if i < 5 else None,
                )
            )
        # Two tickets in the central queue, one created outside the range.
        for i, created in ((10, T0), (11, T0 - timedelta(days=20))):
            session.add(Ticket(conversation_id=_conversation(session, i), created_at=created))
    with db.read_session() as session:
        table = tickets_by_place(session, MARCH, now=T0 + timedelta(days=1))
    shown = {row[0]: row for row in table.display_rows()}
    library = shown["Bibliothek Eving"]
    assert library[1:4] == ["Eving", "6", "6"]
    assert library[4] == "3,50"  # median of 1..6 hours
    assert library[5] == "5" and library[6] == "10,00"
    assert library[7] == "< 5"  # two answers came after the 4-hour due time
    assert library[8] == "–"  # derived from the small count of late answers
    central = shown["Zentrale Warteschlange"]
    assert central[2] == "< 5" and central[4] == "–"
