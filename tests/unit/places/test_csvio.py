"""CSV import validation, the canonical export, and the shipped example data."""

from __future__ import annotations

import csv
import io

from helpdesk.places.csvio import COLUMNS, read_places, write_places
from helpdesk.places.geo import get_geography
from helpdesk.places.service import EXAMPLE_CSV
from tests.unit.places.conftest import FIXTURE

HEADER = ",".join(COLUMNS)
GOOD = (
    "ok,Ort,bibliothek,,44263,Hörde,,,,2,wlan; courses; consultation_hours,,ja,,de,,,"
    "Mo 10:00-12:00,Di 10:00-12:00,,ja"
)


def _read(*rows: str) -> tuple[list[object], list[str]]:
    places, errors = read_places("\n".join([HEADER, *rows]) + "\n", get_geography())
    return list(places), [str(error) for error in errors]


def test_example_data_is_valid_and_covers_every_district_and_level() -> None:
    places, errors = read_places(EXAMPLE_CSV.read_text(encoding="utf-8"), get_geography())
    assert errors == []
    assert len(places) >= 40
    assert len({place.stadtbezirk for place in places}) == 12
    assert {place.stufe for place in places} == {1, 2, 3, 4}
    assert all(place.is_example_data for place in places)
    assert EXAMPLE_CSV.read_text(encoding="utf-8").startswith("# BEISPIELDATEN")


def test_every_district_has_a_place_of_each_level_nearby() -> None:
    places, _ = read_places(EXAMPLE_CSV.read_text(encoding="utf-8"), get_geography())
    geography = get_geography()
    for name in geography.districts:
        around = {name, *geography.neighbours(name)}
        levels = {place.stufe for place in places if place.stadtbezirk in around}
        assert max(levels) >= 3, name


def test_export_then_import_is_identical() -> None:
    for path in (EXAMPLE_CSV, FIXTURE):
        places, _ = read_places(path.read_text(encoding="utf-8"), get_geography())
        text = write_places(places)
        again, errors = read_places(text, get_geography())
        assert errors == []
        assert again == sorted(places, key=lambda place: place.key)
        assert write_places(again) == text


def test_good_row_is_read() -> None:
    places, errors = _read(GOOD)
    assert errors == [] and len(places) == 1


def test_every_bad_row_is_named_with_line_column_and_problem() -> None:
    bad_stufe = GOOD.replace("ok,", "a,").replace(",2,", ",5,")
    bad_district = GOOD.replace("ok,", "b,").replace("Hörde", "Bochum")
    bad_hours = GOOD.replace("ok,", "c,").replace("Mo 10:00-12:00", "Mo 10-12")
    places, errors = _read(GOOD, bad_stufe, bad_district, bad_hours)
    assert len(places) == 1
    assert errors == [
        "Zeile 3, Spalte „stufe“: Stufe muss 1, 2, 3 oder 4 sein",
        "Zeile 4, Spalte „stadtbezirk“: „Bochum“ ist keiner der 12 Stadtbezirke",
        "Zeile 5, Spalte „opening_hours“: „10-12“ ist keine Zeitspanne wie „10:00-18:00“",
    ]


def test_several_problems_in_one_row_are_all_reported() -> None:
    row = GOOD.replace("44263", "12345").replace(",de,", ",deutsch,").replace(",ja", ",vielleicht")
    _, errors = _read(row)
    columns = {error.split("„")[1].split("“")[0] for error in errors}
    assert {"postcode", "languages", "accessibility", "is_example_data"} <= columns


def test_consistency_rules() -> None:
    no_courses = GOOD.replace("wlan; courses; consultation_hours", "wlan; consultation_hours")
    hours_without_service = GOOD.replace("wlan; courses; consultation_hours", "wlan; courses")
    wrong_stadtteil = GOOD.replace("Hörde,,", "Hörde,Barop,")
    duplicate = GOOD
    _, errors = _read(
        GOOD,
        no_courses.replace("ok,", "a,"),
        hours_without_service.replace("ok,", "b,"),
        wrong_stadtteil.replace("ok,", "c,"),
        duplicate,
    )
    assert errors == [
        "Zeile 3, Spalte „services“: ab Stufe 2 gehört „courses“ dazu",
        "Zeile 4, Spalte „services“: Sprechzeiten ohne „consultation_hours“",
        "Zeile 5, Spalte „stadtteil“: „Barop“ gehört zu Hombruch",
        "Zeile 6, Spalte „key“: „ok“ steht schon in Zeile 2",
    ]


def test_wrong_header_is_one_clear_error() -> None:
    places, errors = read_places("name,ort\nx,y\n", get_geography())
    assert places == []
    assert len(errors) == 1 and errors[0].line == 1 and "Kopfzeile falsch" in str(errors[0])


def test_semicolon_separated_file_from_a_german_spreadsheet_is_read() -> None:
    text = write_places(read_places(FIXTURE.read_text(encoding="utf-8"), get_geography())[0])
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    places, errors = read_places(out.getvalue(), get_geography())
    assert errors == [] and len(places) == 15


def test_line_numbers_count_comment_lines() -> None:
    text = "# Kommentar\n# noch einer\n" + HEADER + "\n" + GOOD.replace(",2,", ",9,") + "\n"
    _, errors = read_places(text, get_geography())
    assert [error.line for error in errors] == [4]
