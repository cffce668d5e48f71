"""Due times counted in staffed hours (pure functions, fixed instants)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from helpdesk.places.hours import parse_week
from helpdesk.tickets.due import staffed_due_at

WEEK = parse_week("Mo-Fr 10:00-18:00")


def test_inside_staffed_hours_the_clock_runs_at_once() -> None:
    # Tuesday 24 Nov 2026, 11:00 in Dortmund (10:00 UTC) + 60 minutes.
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert staffed_due_at(WEEK, (), start, 60) == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


def test_holidays_and_closures_do_not_count() -> None:
    # Thursday 24 Dec 2026 after hours; 25/26 Dec are holidays, 28 Dec is closed.
    start = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    closures = ((date(2026, 12, 28), date(2026, 12, 28)),)
    due = staffed_due_at(WEEK, closures, start, 30)
    assert due == datetime(2026, 12, 29, 9, 30, tzinfo=UTC)  # Tuesday 10:30 local


def test_a_span_can_be_used_up_and_the_rest_carried_over() -> None:
    # Friday 17:30 local + 60 staffed minutes: 30 on Friday, 30 on Monday from 10:00.
    start = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    assert staffed_due_at(WEEK, (), start, 60) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def test_no_staffed_hours_means_no_due_time() -> None:
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert staffed_due_at(parse_week(""), (), start, 60) is None
