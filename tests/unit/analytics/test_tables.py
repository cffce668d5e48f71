"""Small numbers are never shown: counts below 5 and figures derived from them."""

from __future__ import annotations

from helpdesk.analytics.export import to_csv, to_xlsx
from helpdesk.analytics.tables import Column, Kind, Table


def _table(answered: int, questions: int) -> Table:
    return Table(
        "t",
        [
            Column("district", "Stadtbezirk"),
            Column("questions", "Fragen", Kind.COUNT),
            Column("answered", "Beantwortet", Kind.COUNT),
            Column("rate", "Quote", Kind.RATE, ("answered", "questions")),
            Column("places", "Orte", Kind.NUMBER),
        ],
        [
            {
                "district": "Eving",
                "questions": questions,
                "answered": answered,
                "rate": answered / questions if questions else None,
                "places": 2,
            }
        ],
    )


def test_counts_below_five_are_shown_as_less_than_five() -> None:
    for n in (0, 1, 4):
        assert _table(n, 40).display_rows()[0][2] == "< 5"
    assert _table(5, 40).display_rows()[0][2] == "5"


def test_a_rate_from_a_small_count_is_withheld() -> None:
    assert _table(3, 40).display_rows()[0][3] == "–"
    assert _table(4, 4).display_rows()[0][3] == "–"
    assert _table(10, 40).display_rows()[0][3] == "25 %"


def test_supply_numbers_are_not_suppressed() -> None:
    assert _table(10, 40).display_rows()[0][4] == "2"


def test_charts_get_no_value_where_the_table_hides_one() -> None:
    table = _table(3, 40)
    row = table.rows[0]
    assert table.chart_value(row, "answered") is None
    assert table.chart_value(row, "rate") is None
    assert table.chart_value(row, "questions") == 40.0


def test_csv_holds_exactly_the_shown_cells() -> None:
    lines = to_csv(_table(3, 40)).splitlines()
    assert lines[0] == "Stadtbezirk;Fragen;Beantwortet;Quote;Orte"
    assert lines[1] == "Eving;40;< 5;–;2"


def test_xlsx_keeps_names_that_look_like_digits_as_text() -> None:
    table = _table(10, 40)
    for name in ("²", "9" * 5000, "44137"):
        table.rows[0]["district"] = name
        assert to_xlsx(table).startswith(b"PK")  # "²" and 5,000 digits were a 500
