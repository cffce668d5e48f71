"""CSV import and export of the place registry, with row-by-row validation (pure Python).

Every row is checked and every problem reported (line, column, German message); callers
import nothing if there is a single error. Lists inside a cell are separated by ";".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from helpdesk.places.geo import Geography
from helpdesk.places.hours import (
    HoursError,
    format_closures,
    format_week,
    parse_closures,
    parse_week,
)
from helpdesk.places.record import (
    Accessibility,
    OperatorType,
    PlaceRecord,
    Service,
    TargetGroup,
)

COLUMNS = (
    "key",
    "name",
    "operator_type",
    "street",
    "postcode",
    "stadtbezirk",
    "stadtteil",
    "latitude",
    "longitude",
    "stufe",
    "services",
    "target_groups",
    "accessibility",
    "accessibility_notes",
    "languages",
    "phone",
    "email",
    "opening_hours",
    "consultation_hours",
    "closures",
    "is_example_data",
)
EXAMPLE_HEADER = (
    "# BEISPIELDATEN: Diese Orte sind Beispiele. Die Stadt Dortmund muss jeden Eintrag",
    "# prüfen (Name, Adresse, Zeiten, Angebote), bevor Bürgerinnen und Bürger dorthin",
    "# geschickt werden. Spalte is_example_data=ja markiert jeden ungeprüften Eintrag.",
)
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PHONE = re.compile(r"^\+?[0-9 /()-]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_BOUNDS = ((51.40, 51.62), (7.28, 7.66))  # Dortmund, generously
_YES_NO = {"ja": True, "nein": False}
# Control characters other than tab and line break: they corrupt pages and exports, and
# PostgreSQL refuses NUL in text (a 500 before; found by the form fuzzer).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (``line`` is the line number in the file)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Zeile {self.line}" + (f", Spalte „{self.column}“" if self.column else "")
        return f"{where}: {self.message}"


class _Invalid(ValueError):
    pass


def read_places(text: str, geography: Geography) -> tuple[list[PlaceRecord], list[RowError]]:
    """Parse and validate a CSV file; returns the places and every error found."""
    # One kind of line break: a lone "\r" (old Mac files, form fields) broke the reader.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (lines[skipped].startswith("#") or not lines[skipped].strip()):
        skipped += 1
    body = "".join(lines[skipped:])
    if not body.strip():
        return [], [RowError(skipped + 1, "", "Die Datei enthält keine Kopfzeile")]
    delimiter = ";" if body.splitlines()[0].count(";") > body.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(body), delimiter=delimiter)
    header = list(reader.fieldnames or [])
    missing = [column for column in COLUMNS if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    if missing or unknown:
        problems = [f"fehlt: {', '.join(missing)}"] if missing else []
        problems += [f"unbekannt: {', '.join(unknown)}"] if unknown else []
        return [], [RowError(skipped + 1, "", "Kopfzeile falsch (" + "; ".join(problems) + ")")]
    places: list[PlaceRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = skipped + reader.line_num
            if None in row:
                errors.append(RowError(line, "", "mehr Zellen als Spalten in der Kopfzeile"))
                continue
            place, row_errors = _read_row(row, line, geography)
            errors.extend(row_errors)
            if place is None:
                continue
            if place.key in seen:
                errors.append(
                    RowError(line, "key", f"„{place.key}“ steht schon in Zeile {seen[place.key]}")
                )
                continue
            seen[place.key] = line
            places.append(place)
    except csv.Error as error:  # e.g. a cell over the csv module's field size limit
        errors.append(RowError(skipped + reader.line_num, "", f"kein gültiges CSV ({error})"))
    return places, errors


def _read_row(
    row: dict[str, str], line: int, geography: Geography
) -> tuple[PlaceRecord | None, list[RowError]]:
    cells = {column: (row.get(column) or "").strip() for column in COLUMNS}
    errors = [
        RowError(line, column, "enthält ein Steuerzeichen (zum Beispiel NUL)")
        for column, value in cells.items()
        if _CONTROL.search(value)
    ]
    if errors:
        return None, errors
    values: dict[str, object] = {}
    for column, parse in _PARSERS.items():
        try:
            values[column] = parse(cells[column], geography)
        except (_Invalid, HoursError) as error:
            errors.append(RowError(line, column, str(error)))
    if errors:
        return None, errors
    errors = _check_row(values, cells, line, geography)
    if errors:
        return None, errors
    return PlaceRecord(**values), []  # type: ignore[arg-type]


def _check_row(
    values: dict[str, object], cells: dict[str, str], line: int, geography: Geography
) -> list[RowError]:
    errors: list[RowError] = []
    services = values["services"]
    assert isinstance(services, frozenset)
    stufe = values["stufe"]
    assert isinstance(stufe, int)
    if stufe >= 2 and Service.COURSES not in services:
        errors.append(RowError(line, "services", "ab Stufe 2 gehört „courses“ dazu"))
    if Service.CONSULTATION_HOURS in services and not cells["consultation_hours"]:
        errors.append(
            RowError(line, "consultation_hours", "Sprechstunde angeboten, aber keine Zeiten")
        )
    if cells["consultation_hours"] and Service.CONSULTATION_HOURS not in services:
        errors.append(RowError(line, "services", "Sprechzeiten ohne „consultation_hours“"))
    if not cells["opening_hours"] and not cells["consultation_hours"]:
        errors.append(RowError(line, "opening_hours", "Öffnungs- oder Sprechzeiten fehlen"))
    if (values["latitude"] is None) != (values["longitude"] is None):
        errors.append(RowError(line, "longitude", "Breite und Länge nur zusammen angeben"))
    stadtteil = cells["stadtteil"]
    if stadtteil:
        found = geography.resolve(stadtteil)
        if (
            found.stadtteil
            and found.method != "fuzzy"
            and found.stadtbezirk != values["stadtbezirk"]
        ):
            errors.append(
                RowError(line, "stadtteil", f"„{stadtteil}“ gehört zu {found.stadtbezirk}")
            )
    return errors


def _required(value: str, what: str, limit: int) -> str:
    if not value:
        raise _Invalid(f"{what} fehlt")
    if len(value) > limit:
        raise _Invalid(f"{what} ist länger als {limit} Zeichen")
    return value


def _optional(limit: int) -> Callable[[str, Geography], str]:
    def parse(value: str, _geo: Geography) -> str:
        if len(value) > limit:
            raise _Invalid(f"länger als {limit} Zeichen")
        return value

    return parse


def _key(value: str, _geo: Geography) -> str:
    if not _KEY.match(value):
        raise _Invalid("Schlüssel nur aus a-z, 0-9 und „-“ (höchstens 64 Zeichen)")
    return value


def _choice(kind: type[OperatorType] | type[Accessibility]) -> Callable[[str, Geography], object]:
    def parse(value: str, _geo: Geography) -> object:
        try:
            return kind(value.lower())
        except ValueError:
            raise _Invalid(f"„{value}“ ist nicht erlaubt ({', '.join(kind)})") from None

    return parse


def _set_of(kind: type[Service] | type[TargetGroup]) -> Callable[[str, Geography], object]:
    def parse(value: str, _geo: Geography) -> object:
        items = [item.strip().lower() for item in value.split(";") if item.strip()]
        allowed = {str(member) for member in kind}
        wrong = [item for item in items if item not in allowed]
        if wrong:
            raise _Invalid(f"„{wrong[0]}“ ist nicht erlaubt ({', '.join(kind)})")
        return frozenset(kind(item) for item in items)

    return parse


def _postcode(value: str, geography: Geography) -> str:
    if value and value not in geography.postcodes:
        raise _Invalid(f"„{value}“ ist keine Dortmunder Postleitzahl")
    return value


def _stadtbezirk(value: str, geography: Geography) -> str:
    name = geography.canonical(value) if value else None
    if name is None:
        raise _Invalid(f"„{value}“ ist keiner der 12 Stadtbezirke")
    return name


def _coordinate(index: int) -> Callable[[str, Geography], float | None]:
    def parse(value: str, _geo: Geography) -> float | None:
        if not value:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise _Invalid(f"„{value}“ ist keine Zahl") from None
        low, high = _BOUNDS[index]
        if not low <= number <= high:
            raise _Invalid(f"{number} liegt nicht in Dortmund")
        return round(number, 5)

    return parse


def _stufe(value: str, _geo: Geography) -> int:
    if value not in ("1", "2", "3", "4"):
        raise _Invalid("Stufe muss 1, 2, 3 oder 4 sein")
    return int(value)


def _languages(value: str, _geo: Geography) -> tuple[str, ...]:
    items = [item.strip().lower() for item in value.split(";") if item.strip()]
    if not items:
        raise _Invalid("mindestens eine Sprache (z. B. „de“)")
    wrong = [item for item in items if not _LANGUAGE.match(item)]
    if wrong:
        raise _Invalid(f"„{wrong[0]}“ ist kein Sprachkürzel wie „de“ oder „tr“")
    return tuple(dict.fromkeys(items))


def _phone(value: str, _geo: Geography) -> str:
    if value and not _PHONE.match(value):
        raise _Invalid(f"„{value}“ ist keine Telefonnummer")
    return value


def _email(value: str, _geo: Geography) -> str:
    if value and not _EMAIL.match(value.lower()):
        raise _Invalid(f"„{value}“ ist keine E-Mail-Adresse")
    return value


def _yes_no(value: str, _geo: Geography) -> bool:
    if value.lower() not in _YES_NO:
        raise _Invalid("„ja“ oder „nein“")
    return _YES_NO[value.lower()]


_PARSERS: dict[str, Callable[[str, Geography], object]] = {
    "key": _key,
    "name": lambda value, _geo: _required(value, "Name", 200),
    "operator_type": _choice(OperatorType),
    "street": _optional(200),
    "postcode": _postcode,
    "stadtbezirk": _stadtbezirk,
    "stadtteil": _optional(100),
    "latitude": _coordinate(0),
    "longitude": _coordinate(1),
    "stufe": _stufe,
    "services": _set_of(Service),
    "target_groups": _set_of(TargetGroup),
    "accessibility": _choice(Accessibility),
    "accessibility_notes": _optional(500),
    "languages": _languages,
    "phone": _phone,
    "email": _email,
    "opening_hours": lambda value, _geo: parse_week(value),
    "consultation_hours": lambda value, _geo: parse_week(value),
    "closures": lambda value, _geo: parse_closures(value),
    "is_example_data": _yes_no,
}


def to_row(place: PlaceRecord) -> dict[str, str]:
    """The canonical CSV cells of a place."""
    return {
        "key": place.key,
        "name": place.name,
        "operator_type": str(place.operator_type),
        "street": place.street,
        "postcode": place.postcode,
        "stadtbezirk": place.stadtbezirk,
        "stadtteil": place.stadtteil,
        "latitude": "" if place.latitude is None else f"{place.latitude:.5f}",
        "longitude": "" if place.longitude is None else f"{place.longitude:.5f}",
        "stufe": str(place.stufe),
        "services": "; ".join(m for m in Service if m in place.services),
        "target_groups": "; ".join(m for m in TargetGroup if m in place.target_groups),
        "accessibility": str(place.accessibility),
        "accessibility_notes": place.accessibility_notes,
        "languages": "; ".join(place.languages),
        "phone": place.phone,
        "email": place.email,
        "opening_hours": format_week(place.opening_hours),
        "consultation_hours": format_week(place.consultation_hours),
        "closures": format_closures(place.closures),
        "is_example_data": "ja" if place.is_example_data else "nein",
    }


def write_places(places: Iterable[PlaceRecord]) -> str:
    """The registry as CSV text, sorted by key, with the example-data notice if needed."""
    rows = sorted(places, key=lambda place: place.key)
    out = io.StringIO()
    if any(place.is_example_data for place in rows):
        out.write("\n".join(EXAMPLE_HEADER) + "\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(to_row(place) for place in rows)
    return out.getvalue()
