"""Weekly rules, closures, NRW holidays and the next open slot across DST switches."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from helpdesk.places.hours import (
    HoursError,
    Span,
    easter_sunday,
    format_closures,
    format_week,
    holiday,
    next_slot,
    parse_closures,
    parse_week,
)
from helpdesk.places.routing import BERLIN


def test_week_round_trip_groups_equal_days() -> None:
    week = parse_week("Mo 10:00-18:00; Di 10:00-18:00; Mi-Fr 10:00-18:00; Sa 10:00-13:00")
    assert format_week(week) == "Mo-Fr 10:00-18:00; Sa 10:00-13:00"
    assert parse_week(format_week(week)) == week


def test_week_with_two_spans_a_day_and_lower_case_days() -> None:
    week = parse_week("di 10:00-12:00, 14:00-18:00")
    assert week[1] == (Span(time(10), time(12)), Span(time(14), time(18)))
    assert format_week(week) == "Di 10:00-12:00, 14:00-18:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mo 10-18", "keine Zeitspanne"),
        ("Xy 10:00-18:00", "unbekannter Wochentag"),
        ("Fr-Mo 10:00-12:00", "rückwärts"),
        ("Mo 18:00-10:00", "Ende liegt nicht nach dem Beginn"),
        ("Mo 25:00-26:00", "keine gültige Uhrzeit"),
        ("Mo 10:00-12:00; Mo 11:00-13:00", "überschneiden"),
        ("Montags offen", "keine Regel"),
    ],
)
def test_bad_week_is_explained_in_german(text: str, message: str) -> None:
    with pytest.raises(HoursError, match=message):
        parse_week(text)


def test_closures_round_trip_and_errors() -> None:
    closures = parse_closures("2026-12-24..2026-12-31; 2026-11-30")
    assert format_closures(closures) == "2026-11-30; 2026-12-24..2026-12-31"
    with pytest.raises(HoursError):
        parse_closures("24.12.2026")
    with pytest.raises(HoursError):
        parse_closures("2026-12-31..2026-12-24")
    with pytest.raises(HoursError):
        parse_closures("2026-02-30")


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2030, date(2030, 4, 21)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 3), "Karfreitag"),
        (date(2026, 4, 6), "Ostermontag"),
        (date(2026, 5, 14), "Christi Himmelfahrt"),
        (date(2026, 5, 25), "Pfingstmontag"),
        (date(2026, 6, 4), "Fronleichnam"),
        (date(2026, 11, 1), "Allerheiligen"),
        (date(2026, 10, 3), "Tag der Deutschen Einheit"),
        (date(2026, 12, 26), "2. Weihnachtstag"),
    ],
)
def test_nrw_holidays(day: date, name: str) -> None:
    assert holiday(day) == name


def test_no_holiday_on_ordinary_days_nor_reformation_day() -> None:
    assert holiday(date(2026, 11, 24)) is None
    assert holiday(date(2026, 10, 31)) is None  # Reformationstag is not a holiday in NRW


def test_minutes_to_next_slot_count_real_time_across_spring_forward() -> None:
    week = parse_week("Mo 10:00-18:00")
    # Sunday 29 March 2026, 14:00 CEST; Monday 10:00 CEST is 20 real hours later.
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC).astimezone(BERLIN)
    slot = next_slot(week, (), now)
    assert slot is not None and not slot.now_open
    assert slot.day == date(2026, 3, 30) and slot.starts_in_minutes == 20 * 60


def test_minutes_to_next_slot_across_fall_back() -> None:
    week = parse_week("Mo 10:00-18:00")
    # Saturday 24 October 2026, 22:00 CEST → Monday 10:00 CET is 37 real hours later.
    now = datetime(2026, 10, 24, 20, 0, tzinfo=UTC).astimezone(BERLIN)
    slot = next_slot(week, (), now)
    assert slot is not None and slot.starts_in_minutes == 37 * 60


def test_no_slot_when_closed_for_weeks() -> None:
    week = parse_week("Mo-Fr 10:00-18:00")
    closures = parse_closures("2026-11-01..2026-12-31")
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC).astimezone(BERLIN)
    assert next_slot(week, closures, now) is None
