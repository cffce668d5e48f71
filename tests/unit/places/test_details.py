"""Follow-ups about the places just shown: which aspect, and the German line per place."""

from __future__ import annotations

import pytest

from helpdesk.places.details import asked_aspects, chosen_place, describe
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


@pytest.mark.parametrize(
    ("question", "index"),
    [
        ("und der zweite?", 1),
        ("wo finde ich den zweiten", 1),
        ("wann hat die erste offen", 0),
        ("beim dritten ort, gibt es da einen aufzug", 2),
        ("und der letzte", 2),
        ("nummer 2 bitte, wo ist das", 1),
        ("wann haben die offen", None),  # no position: every place shown
        ("der erste und der zweite", None),  # two positions: every place shown
        ("und der vierte", None),  # only three were shown
    ],
)
def test_a_place_named_by_its_position_is_recognised(question: str, index: int | None) -> None:
    assert chosen_place(3, question) == index


def test_a_follow_up_about_the_second_place_answers_for_that_place_only(
    registry: list[PlaceRecord],
) -> None:
    by_key = {place.key: place for place in registry}
    shown = [by_key["hoerde-bib"], by_key["luedo-jugend"]]
    lines = [line for line in describe(shown, "und wann hat der zweite offen").lines]
    named = [line for line in lines if line.startswith(by_key["luedo-jugend"].name)]
    assert named and not any(line.startswith(by_key["hoerde-bib"].name) for line in lines)
    assert "Mo-Fr 14:00-20:00" in named[0]
