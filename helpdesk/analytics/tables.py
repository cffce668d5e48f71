"""Result tables of the dashboard, with small-number suppression applied on display.

Every figure the dashboard shows, charts and exports included, goes through
``Table.display_rows``: a count of people's interactions below ``MIN_COUNT`` is shown as
"< 5", and a figure derived from such a count (a rate, a value per 1,000 inhabitants) is
shown as "–", so that it cannot be used to work the small count out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

MIN_COUNT = 5
SUPPRESSED = "< 5"
WITHHELD = "–"


class Kind(enum.StrEnum):
    """How a column is shown."""

    TEXT = "text"
    COUNT = "count"  # interactions of citizens: suppressed below MIN_COUNT
    NUMBER = "number"  # supply figures (places, hours, inhabitants): never suppressed
    RATE = "rate"  # a share 0..1 shown as percent; withheld when its inputs are small
    PER_1000 = "per_1000"  # a count per 1,000 inhabitants; withheld when the count is small


@dataclass(frozen=True)
class Column:
    """One column: key in the row dicts, German label, kind, and for derived figures the
    count columns they are computed from (withheld when any of them is small)."""

    key: str
    label: str
    kind: Kind = Kind.TEXT
    derived_from: tuple[str, ...] = ()


@dataclass
class Table:
    """Rows of raw values plus how to show them."""

    title: str
    columns: list[Column]
    rows: list[dict[str, object]] = field(default_factory=list)
    note: str = ""

    def display_rows(self) -> list[list[str]]:
        """The rows as shown on screen and in every export."""
        return [[self._cell(column, row) for column in self.columns] for row in self.rows]

    def chart_value(self, row: dict[str, object], key: str) -> float | None:
        """A number a chart may draw, or ``None`` where the table shows "< 5" or "–"."""
        column = next(c for c in self.columns if c.key == key)
        if self._suppressed(column, row):
            return None
        value = row.get(key)
        return float(value) if isinstance(value, int | float) else None

    def _suppressed(self, column: Column, row: dict[str, object]) -> bool:
        if column.kind is Kind.COUNT:
            return _small(row.get(column.key))
        if column.kind in (Kind.RATE, Kind.PER_1000):
            return row.get(column.key) is None or any(
                _small(row.get(k)) for k in column.derived_from
            )
        return False

    def _cell(self, column: Column, row: dict[str, object]) -> str:
        value = row.get(column.key)
        if column.kind is Kind.COUNT:
            return SUPPRESSED if _small(value) else str(value)
        if column.kind in (Kind.RATE, Kind.PER_1000):
            if self._suppressed(column, row):
                return WITHHELD
            assert isinstance(value, int | float)
            if column.kind is Kind.RATE:
                return f"{value * 100:.0f} %"
            return _decimal(value)
        if column.kind is Kind.NUMBER:
            if value is None:
                return WITHHELD
            assert isinstance(value, int | float)
            return str(value) if isinstance(value, int) else _decimal(value)
        return "" if value is None else str(value)


def _small(value: object) -> bool:
    return not isinstance(value, int) or value < MIN_COUNT


def _decimal(value: float) -> str:
    """German decimal comma, two places."""
    return f"{value:.2f}".replace(".", ",")
