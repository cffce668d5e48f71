"""First-response due times, counted in a place's staffed hours (pure Python).

A ticket created on Friday evening for a place staffed Mo-Fr 10-18 with a budget of two
staffed hours is due on Monday at 12:00, not on Friday at 20:00: the clock only runs
while someone is there to answer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from helpdesk.places.hours import Closure, Span, Week, spans_on

BERLIN = ZoneInfo("Europe/Berlin")
SEARCH_DAYS = 60


def staffed_due_at(
    week: Week,
    closures: tuple[Closure, ...],
    start: datetime,
    minutes: int,
    *,
    zone: ZoneInfo = BERLIN,
) -> datetime | None:
    """The moment ``minutes`` staffed minutes after ``start`` have passed (UTC).

    Returns None when the week has no staffed hours within the next ``SEARCH_DAYS`` days.
    """
    local = start.astimezone(zone)
    remaining = timedelta(minutes=minutes)
    for offset in range(SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for span in spans_on(week, day, closures):
            begin, end = _bounds(day, span, zone)
            if end <= local:
                continue
            begin = max(begin, local)
            available = end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(UTC)
            remaining -= available
    return None


def _bounds(day: date, span: Span, zone: ZoneInfo) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, span.start, tzinfo=zone)
    end = datetime.combine(day, span.end, tzinfo=zone)
    return begin, end
