"""Weekly opening rules, closures and NRW public holidays, computed offline (pure Python).

The CSV form is meant to be edited by hand::

    Mo-Fr 10:00-18:00; Sa 10:00-14:00
    Di 10:00-12:00, 14:00-18:00; Do 14:00-18:00

Closures are dates or date ranges, separated by ";": ``2026-12-24..2027-01-01; 2026-11-30``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
_DAY_INDEX = {day.lower(): index for index, day in enumerate(DAYS)}
_RULE = re.compile(r"^(?P<days>[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?)\s+(?P<spans>.+)$")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?$")


class HoursError(ValueError):
    """A weekly rule or closure list that cannot be read (message in German)."""


@dataclass(frozen=True, order=True)
class Span:
    """A time span within one day, ``start < end``."""

    start: time
    end: time


Week = tuple[tuple[Span, ...], ...]
"""Seven tuples of spans, Monday first."""

EMPTY_WEEK: Week = ((),) * 7


def parse_week(text: str) -> Week:
    """Parse "Mo-Fr 10:00-18:00; Sa 10:00-14:00" into a validated week."""
    days: list[list[Span]] = [[] for _ in DAYS]
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _RULE.match(part)
        if not match:
            raise HoursError(f"„{part}“ ist keine Regel wie „Mo 10:00-18:00“")
        for index in _day_range(match.group("days")):
            days[index].extend(_parse_span(s.strip()) for s in match.group("spans").split(","))
    week = tuple(tuple(sorted(spans)) for spans in days)
    for index, spans in enumerate(week):
        for first, second in itertools.pairwise(spans):
            if second.start < first.end:
                raise HoursError(f"{DAYS[index]}: Zeiten überschneiden sich")
    return week


def _day_range(text: str) -> list[int]:
    names = [name.strip().lower() for name in text.split("-")]
    unknown = [name for name in names if name not in _DAY_INDEX]
    if unknown:
        raise HoursError(f"unbekannter Wochentag „{unknown[0]}“ (Mo, Di, Mi, Do, Fr, Sa, So)")
    first, last = _DAY_INDEX[names[0]], _DAY_INDEX[names[-1]]
    if last < first:
        raise HoursError(f"Tagesbereich „{text}“ ist rückwärts")
    return list(range(first, last + 1))


def _parse_span(text: str) -> Span:
    match = _SPAN.match(text)
    if not match:
        raise HoursError(f"„{text}“ ist keine Zeitspanne wie „10:00-18:00“")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise HoursError(f"„{text}“ enthält keine gültige Uhrzeit")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise HoursError(f"„{text}“: Ende liegt nicht nach dem Beginn")
    return Span(start, end)


def format_week(week: Week) -> str:
    """The canonical CSV form: consecutive days with the same hours grouped ("Mo-Fr")."""
    parts: list[str] = []
    index = 0
    while index < 7:
        last = index
        while last + 1 < 7 and week[last + 1] == week[index]:
            last += 1
        if week[index]:
            days = DAYS[index] if last == index else f"{DAYS[index]}-{DAYS[last]}"
            spans = ", ".join(f"{_hhmm(s.start)}-{_hhmm(s.end)}" for s in week[index])
            parts.append(f"{days} {spans}")
        index = last + 1
    return "; ".join(parts)


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


Closure = tuple[date, date]


def parse_closures(text: str) -> tuple[Closure, ...]:
    """Parse "2026-12-24..2027-01-01; 2026-11-30" into inclusive date ranges."""
    closures: list[Closure] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _RANGE.match(part)
        if not match:
            raise HoursError(
                f"„{part}“ ist kein Datum wie „2026-12-24“ oder „2026-12-24..2026-12-31“"
            )
        try:
            first = date.fromisoformat(match.group(1))
            last = date.fromisoformat(match.group(2) or match.group(1))
        except ValueError as error:
            raise HoursError(f"„{part}“ enthält ein ungültiges Datum") from error
        if last < first:
            raise HoursError(f"„{part}“: Ende liegt vor dem Beginn")
        closures.append((first, last))
    return tuple(sorted(closures))


def format_closures(closures: tuple[Closure, ...]) -> str:
    """The canonical CSV form of closures."""
    return "; ".join(
        first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
        for first, last in closures
    )


def easter_sunday(year: int) -> date:
    """Easter Sunday (Gregorian calendar, anonymous algorithm of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    la = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * la) // 451
    month = (h + la - 7 * m + 114) // 31
    day = (h + la - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@lru_cache(maxsize=64)
def nrw_holidays(year: int) -> dict[date, str]:
    """The statutory public holidays of North Rhine-Westphalia in ``year``."""
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): "Neujahr",
        easter - timedelta(days=2): "Karfreitag",
        easter + timedelta(days=1): "Ostermontag",
        date(year, 5, 1): "Tag der Arbeit",
        easter + timedelta(days=39): "Christi Himmelfahrt",
        easter + timedelta(days=50): "Pfingstmontag",
        easter + timedelta(days=60): "Fronleichnam",
        date(year, 10, 3): "Tag der Deutschen Einheit",
        date(year, 11, 1): "Allerheiligen",
        date(year, 12, 25): "1. Weihnachtstag",
        date(year, 12, 26): "2. Weihnachtstag",
    }


def holiday(day: date) -> str | None:
    """The name of the NRW public holiday on ``day``, if any."""
    return nrw_holidays(day.year).get(day)


def is_closed(day: date, closures: tuple[Closure, ...]) -> bool:
    """Whether ``day`` falls into one of the closures."""
    return any(first <= day <= last for first, last in closures)


def spans_on(week: Week, day: date, closures: tuple[Closure, ...]) -> tuple[Span, ...]:
    """The spans of ``day``: none on public holidays and closures."""
    if holiday(day) or is_closed(day, closures):
        return ()
    return week[day.weekday()]


@dataclass(frozen=True)
class Slot:
    """The current or next span: ``now_open`` if ``local_now`` lies inside it."""

    day: date
    span: Span
    now_open: bool
    starts_in_minutes: int


class Calendar:
    """The next ``days`` days seen from ``local_now``, with public holidays marked.

    Built once per routing request so that each place costs only a walk over its spans.
    Minutes are counted in real time (via UTC), so a daylight saving switch between now
    and the slot is accounted for, while spans stay at their printed wall-clock times.
    """

    def __init__(self, local_now: datetime, *, days: int = 14) -> None:
        self.local_now = local_now
        self._now_utc = local_now.astimezone(UTC)
        self._clock = local_now.time().replace(tzinfo=None)
        today = local_now.date()
        self._days = [
            (day, day.weekday(), holiday(day) is not None)
            for day in (today + timedelta(days=offset) for offset in range(days + 1))
        ]

    def next_slot(self, week: Week, closures: tuple[Closure, ...]) -> Slot | None:
        """The span open now, or the next one."""
        for offset, (day, weekday, is_holiday) in enumerate(self._days):
            spans = week[weekday]
            if is_holiday or not spans or (closures and is_closed(day, closures)):
                continue
            for span in spans:
                if offset == 0:
                    if span.end <= self._clock:
                        continue
                    if span.start <= self._clock:
                        return Slot(day, span, True, 0)
                start = datetime.combine(day, span.start, tzinfo=self.local_now.tzinfo)
                minutes = int((start.astimezone(UTC) - self._now_utc).total_seconds() // 60)
                return Slot(day, span, False, minutes)
        return None


def next_slot(
    week: Week, closures: tuple[Closure, ...], local_now: datetime, *, days: int = 14
) -> Slot | None:
    """The span open now, or the next one within ``days`` (``local_now`` is zone-aware)."""
    return Calendar(local_now, days=days).next_slot(week, closures)
