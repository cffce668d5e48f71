"""Follow-ups about the places just shown: which aspect, and the German line per place."""

from __future__ import annotations

import pytest

from helpdesk.places.details import asked_aspects, describe
from helpdesk.places.record import PlaceRecord


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("und wann haben die offen", ("hours",)),
        ("wo ist das genau", ("address",)),
        ("kann ich da mit dem rollator rein", ("access",)),
        ("sprechen die auch türkisch", ("languages",)),
        ("haben die ne telefonnummer", ("phone",)),
        ("was kostet das da", ("cost",)),
        ("muss ich da was bezahlen", ("cost",)),
        ("und?", ("hours",)),  # nothing named: the hours, the most asked
    ],
)
def test_the_aspect_asked_is_recognised(question: str, aspects: tuple[str, ...]) -> None:
    assert asked_aspects(question) == aspects


def test_each_shown_place_gets_its_own_line_from_the_registry(
    registry: list[PlaceRecord],
) -> None:
    by_key = {place.key: place for place in registry}
    shown = [by_key["hoerde-bib"], by_key["luedo-jugend"]]
    hours = describe(shown, "wann haben die auf").lines
    assert hours[0].startswith(by_key["hoerde-bib"].name)
    assert "Di-Fr 10:00-18:00" in hours[0] and "Mi 14:00-18:00" in hours[0]
    assert "Mo-Fr 14:00-20:00" in hours[1]
    access = describe(shown, "komme ich mit dem rollstuhl rein").lines
    assert "barrierefrei" in access[0] and "nicht barrierefrei" in access[1]


def test_a_language_asked_by_name_is_answered_yes_or_no_by_name(
    registry: list[PlaceRecord],
) -> None:
    place = next(p for p in registry if "de" in p.languages and "ru" not in p.languages)
    (line, *_) = describe([place], "sprechen die da auch russisch").lines
    assert line.startswith(place.name) and "Russisch ist dort nicht eingetragen" in line
    assert "MENSCH" in line
    speaks = next((p for p in registry if len(p.languages) > 1 and p.languages[1] != "de"), None)
    if speaks is not None:
        from helpdesk.places.reasons import phrase

        other = phrase(f"language.{speaks.languages[1]}")
        (line, *_) = describe([speaks], f"spricht da jemand {other.lower()}").lines
        assert line.startswith(f"{speaks.name}: Ja, dort spricht man {other}")


def test_cost_is_answered_per_place_with_printing_named_where_it_is_offered(
    registry: list[PlaceRecord],
) -> None:
    printing = next(p for p in registry if "printing" in p.services)
    lines = describe([printing], "was kostet das").lines
    assert "kostenlos" in lines[0] and "Cent pro Seite" in lines[0]
