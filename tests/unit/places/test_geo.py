"""Free text, postcodes and spelling variants → Stadtbezirk; neighbours and distances."""

from __future__ import annotations

import pytest

from helpdesk.places.geo import get_geography

TWELVE = {
    "Innenstadt-West",
    "Innenstadt-Nord",
    "Innenstadt-Ost",
    "Eving",
    "Scharnhorst",
    "Brackel",
    "Aplerbeck",
    "Hörde",
    "Hombruch",
    "Lütgendortmund",
    "Huckarde",
    "Mengede",
}


@pytest.mark.parametrize(
    ("text", "stadtbezirk", "stadtteil"),
    [
        ("Luetgendortmund", "Lütgendortmund", None),
        ("ich wohne in lütgendortmund", "Lütgendortmund", None),
        ("Lütgendortmnd", "Lütgendortmund", None),
        ("hörde", "Hörde", None),
        ("Hoerde", "Hörde", None),
        ("HORDE", "Hörde", None),
        ("Ich wohne in Barop", "Hombruch", "Barop"),
        ("Schüren", "Aplerbeck", "Schüren"),
        ("Schueren", "Aplerbeck", "Schüren"),
        ("Berghofen", "Aplerbeck", "Berghofen"),
        ("Asseln", "Brackel", "Asseln"),
        ("in Wickede", "Brackel", "Wickede"),
        ("Kirchhörde", "Hombruch", "Kirchhörde"),
        ("Nordstadt", "Innenstadt-Nord", None),
        ("innenstadt nord", "Innenstadt-Nord", None),
        ("Innenstadt-Ost", "Innenstadt-Ost", None),
        ("Dorstfeld", "Innenstadt-West", "Dorstfeld"),
        ("Körne", "Innenstadt-Ost", "Körne"),
        ("Brechten", "Eving", "Brechten"),
        ("Kirchlinde", "Huckarde", "Kirchlinde"),
        ("Westerfilde", "Mengede", "Westerfilde"),
        ("Marten", "Lütgendortmund", "Marten"),
        ("Derne", "Scharnhorst", "Derne"),
        ("Brakel", "Brackel", None),
        ("Meine PLZ ist 44263", "Hörde", None),
        ("44137", "Innenstadt-West", None),
        ("44388", "Lütgendortmund", None),
        ("44339", "Eving", None),
    ],
)
def test_resolves_free_text(text: str, stadtbezirk: str, stadtteil: str | None) -> None:
    found = get_geography().resolve(text)
    assert found.stadtbezirk == stadtbezirk
    assert found.stadtteil == stadtteil


@pytest.mark.parametrize(
    "text",
    [
        "Ich brauche Hilfe mit dem Tablet",
        "nette Leute",
        "Hallo",
        "",
        "12345",
        "Wie geht WLAN?",
        # Everyday words that only look like the end of a Stadtteil (Brechten).
        "ich möchte mit einem echten Menschen sprechen",
    ],
)
def test_no_place_named(text: str) -> None:
    assert get_geography().resolve(text).stadtbezirk is None


def test_city_is_ambiguous_and_offers_the_three_innenstadt_districts() -> None:
    found = get_geography().resolve("in der City")
    assert found.ambiguous
    assert found.stadtbezirk == "Innenstadt-West"
    assert set(found.candidates) == {"Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost"}


def test_border_postcode_names_both_districts() -> None:
    found = get_geography().resolve("44267")
    assert found.ambiguous and found.candidates == ("Aplerbeck", "Hörde")


def test_capitalised_stadtteil_that_is_also_a_word_matches() -> None:
    assert get_geography().resolve("Ich wohne in Nette").stadtbezirk == "Mengede"


def test_twelve_districts_with_symmetric_neighbours() -> None:
    geography = get_geography()
    assert set(geography.districts) == TWELVE
    for name, district in geography.districts.items():
        assert district.neighbours, name
        for other in district.neighbours:
            assert name in geography.neighbours(other), (name, other)


def test_postcodes_are_dortmund_and_map_to_known_districts() -> None:
    geography = get_geography()
    for code, (primary, secondary) in geography.postcodes.items():
        assert "44135" <= code <= "44388"
        assert primary in TWELVE and set(secondary) <= TWELVE
    assert {primary for primary, _ in geography.postcodes.values()} == TWELVE


def test_every_stadtteil_resolves_to_its_district() -> None:
    geography = get_geography()
    for name, district in geography.districts.items():
        for stadtteil in district.stadtteile:
            assert geography.resolve(stadtteil).stadtbezirk == name, stadtteil


def test_distances_between_centres_are_plausible() -> None:
    geography = get_geography()
    assert 2 < geography.distance_km("Hörde", "Aplerbeck") < 6
    assert 10 < geography.distance_km("Mengede", "Aplerbeck") < 20
    assert geography.distance_km("Eving", "Eving") == 0
