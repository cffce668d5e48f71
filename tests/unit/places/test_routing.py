"""Routing of realistic requests against a fixed registry (table-driven)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from helpdesk.places.geo import get_geography
from helpdesk.places.needs import get_needs
from helpdesk.places.reasons import gsm7_length, to_gsm7
from helpdesk.places.record import PlaceRecord
from helpdesk.places.routing import RouteResult, route
from helpdesk.places.service import resolve_location


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    where: str | None
    at: str  # UTC
    first: str | None
    reasons: tuple[str, ...] = ()
    notice: str | None = None
    needs: tuple[str, ...] = ()
    wheelchair: bool = False
    not_first: tuple[str, ...] = field(default=())


def ask(registry: list[PlaceRecord], case: Case, limit: int = 3, offset: int = 0) -> RouteResult:
    where = resolve_location(text=case.where) if case.where else resolve_location(text=case.text)
    need = get_needs().build(case.needs, text=case.text, wheelchair=case.wheelchair)
    now = datetime.fromisoformat(case.at).replace(tzinfo=UTC)
    return route(
        registry, need, where.stadtbezirk, get_geography(), now, limit=limit, offset=offset
    )


TUESDAY = "2026-11-24T10:00"  # 11:00 in Dortmund

CASES = [
    Case(
        "handy_in_hoerde_staffed_now",
        "Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?",
        None,
        TUESDAY,
        "hoerde-senioren",
        ("in Hörde", "jetzt Sprechstunde bis 12 Uhr"),
    ),
    Case(
        "handy_in_hoerde_after_noon_adult_not_sent_to_youth_centre",
        "Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?",
        None,
        "2026-11-24T12:00",
        "hoerde-bib",
        ("morgen 14–18 Uhr Sprechstunde",),
    ),
    Case(
        "consultation_running_now",
        "Ich habe eine Frage zum Handy",
        "Hörde",
        "2026-11-25T13:30",
        "hoerde-bib",
        ("jetzt Sprechstunde bis 18 Uhr", "barrierefrei"),
    ),
    Case(
        "senior_learns_internet_neighbour_offered",
        "Ich bin 81, wohne in Lütgendortmund und will das Internet lernen",
        None,
        TUESDAY,
        "hombruch-senioren",
        (
            "im Nachbarbezirk Hombruch",
            "morgen 10–12 Uhr Sprechstunde",
            "für Seniorinnen und Senioren",
        ),
        notice="In Lütgendortmund gibt es keinen passenden Ort. Der nächste ist im "
        "Nachbarbezirk Hombruch.",
    ),
    Case(
        "print_open_now_in_district",
        "Ich muss etwas ausdrucken",
        "Lütgendortmund",
        TUESDAY,
        "luedo-bib",
        ("in Lütgendortmund", "jetzt geöffnet bis 18 Uhr", "Drucken möglich"),
    ),
    Case(
        "place_closed_today_ranks_after_open_one",
        "Ich muss etwas ausdrucken",
        "Lütgendortmund",
        "2026-12-01T10:00",
        "luedo-jugend",
        ("heute 14–20 Uhr geöffnet",),
    ),
    Case(
        "public_holiday_fronleichnam",
        "Ich muss etwas ausdrucken",
        "Lütgendortmund",
        "2026-06-04T08:00",
        "luedo-bib",
        ("heute Feiertag (Fronleichnam)", "morgen 10–18 Uhr geöffnet"),
    ),
    Case(
        "public_holiday_ostermontag",
        "Wo kann ich drucken?",
        "Brackel",
        "2026-04-06T08:00",
        "brackel-bib",
        ("heute Feiertag (Ostermontag)", "morgen 10–18 Uhr geöffnet"),
    ),
    Case(
        "christmas_day",
        "Ich möchte einen Kurs machen",
        "Hörde",
        "2026-12-25T09:00",
        "hoerde-senioren",
        ("heute Feiertag (1. Weihnachtstag)",),
    ),
    Case(
        "summer_time_started_open_at_10_30",
        "drucken",
        "Brackel",
        "2026-03-30T08:30",
        "brackel-bib",
        ("jetzt geöffnet bis 18 Uhr",),
    ),
    Case(
        "summer_time_started_not_yet_open_at_9_30",
        "drucken",
        "Brackel",
        "2026-03-30T07:30",
        "brackel-bib",
        ("heute 10–18 Uhr geöffnet",),
    ),
    Case(
        "winter_time_started_open_at_10_30",
        "drucken",
        "Brackel",
        "2026-10-26T09:30",
        "brackel-bib",
        ("jetzt geöffnet bis 18 Uhr",),
    ),
    Case(
        "winter_time_started_not_yet_open_at_9_30",
        "drucken",
        "Brackel",
        "2026-10-26T08:30",
        "brackel-bib",
        ("heute 10–18 Uhr geöffnet",),
    ),
    Case(
        "wheelchair_needs_neighbour",
        "Ich sitze im Rollstuhl und brauche Hilfe",
        "Lütgendortmund",
        TUESDAY,
        "zentral",
        ("im Nachbarbezirk Innenstadt-West", "barrierefrei"),
        notice="In Lütgendortmund gibt es keinen passenden Ort.",
    ),
    Case(
        "turkish_in_nordstadt",
        "Gibt es Hilfe auf Türkisch?",
        "Nordstadt",
        TUESDAY,
        "nord-dkh",
        ("in Innenstadt-Nord", "Hilfe auch auf Türkisch"),
    ),
    Case(
        "arabic_in_eving",
        "Hilfe auf Arabisch bitte",
        "Eving",
        TUESDAY,
        "eving-bz",
        ("Hilfe auch auf Arabisch",),
    ),
    Case(
        "course_in_aplerbeck",
        "Ich möchte einen Kurs machen",
        "Schüren",
        TUESDAY,
        "aplerbeck-bib",
        ("in Aplerbeck", "Kurse", "Freitag 10–12 Uhr Sprechstunde"),
    ),
    Case(
        "group_programme_elsewhere",
        "Wir sind eine Gruppe und wollen ein Programm für unseren Verein",
        "Aplerbeck",
        TUESDAY,
        "nord-dkh",
        ("in Innenstadt-Nord, ca. 7 km",),
        notice="In Aplerbeck und den Nachbarbezirken gibt es keinen passenden Ort.",
    ),
    Case(
        "postcode_44263_tablet",
        "Ich brauche Hilfe mit dem Tablet",
        "44263",
        TUESDAY,
        "hoerde-senioren",
        ("in Hörde",),
    ),
    Case(
        "senior_pc_prefers_general_place_over_youth_centre",
        "Ich bin 75 und brauche einen PC",
        "Scharnhorst",
        TUESDAY,
        None,
        not_first=("scharnhorst-jugend",),
    ),
    Case(
        "pupil_gets_youth_centre",
        "Ich bin Schüler und brauche WLAN",
        "Scharnhorst",
        TUESDAY,
        "scharnhorst-jugend",
        ("für Jugendliche", "freies WLAN"),
    ),
    Case(
        "mengede_course_in_neighbour_eving",
        "Kurs",
        "Mengede",
        TUESDAY,
        "eving-bz",
        ("im Nachbarbezirk Eving",),
        notice="Der nächste ist im Nachbarbezirk Eving.",
    ),
    Case(
        "scan_in_city", "Ich muss ein Dokument einscannen", "City", TUESDAY, "zentral", ("Scanner",)
    ),
    Case(
        "device_lending_only_in_city",
        "Kann ich ein Tablet ausleihen?",
        "Hörde",
        TUESDAY,
        "zentral",
        ("in Innenstadt-West, ca.", "Geräte zum Ausleihen"),
        notice="In Hörde und den Nachbarbezirken gibt es keinen passenden Ort.",
    ),
    Case(
        "never_online_in_hoerde",
        "Ich war noch nie im Internet",
        "Hörde",
        TUESDAY,
        "hoerde-senioren",
        ("jetzt Sprechstunde bis 12 Uhr",),
    ),
    Case(
        "saturday_next_is_monday_or_later",
        "Ich habe eine Frage",
        "Hombruch",
        "2026-11-28T12:00",
        "hombruch-senioren",
        ("Montag 10–12 Uhr Sprechstunde",),
    ),
    Case(
        "sunday_next_is_tomorrow",
        "Ich habe eine Frage",
        "Hombruch",
        "2026-11-29T12:00",
        "hombruch-senioren",
        ("morgen 10–12 Uhr Sprechstunde",),
    ),
    Case(
        "named_need_key_pc",
        "",
        "Brackel",
        TUESDAY,
        "brackel-bib",
        ("jetzt geöffnet",),
        needs=("pc",),
    ),
    Case("typo_district", "drucken in Luetgendortmund", None, TUESDAY, "luedo-bib"),
    Case(
        "nothing_fits_at_all",
        "Gruppe, Rollstuhl und Russisch",
        "Mengede",
        TUESDAY,
        None,
        notice="Leider gibt es keinen passenden Ort.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_routing(registry: list[PlaceRecord], case: Case) -> None:
    result = ask(registry, case)
    first = result.places[0] if result.places else None
    if case.first is None and not case.not_first:
        assert first is None
    if case.first is not None:
        assert first is not None, "no place found"
        assert first.place.key == case.first, [p.place.key for p in result.places]
    for key in case.not_first:
        assert first is not None and first.place.key != key
    for fragment in case.reasons:
        assert first is not None
        assert any(fragment in reason for reason in first.reasons), first.reasons
    if case.notice is None:
        assert result.notice is None
    else:
        assert result.notice is not None and case.notice in result.notice


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_sms_form_fits_one_gsm7_segment(registry: list[PlaceRecord], case: Case) -> None:
    for routed in ask(registry, case, limit=10).places:
        assert gsm7_length(routed.sms) <= 160
        assert to_gsm7(routed.sms) == routed.sms


def test_closed_place_says_so_and_when_it_opens(registry: list[PlaceRecord]) -> None:
    case = Case("x", "drucken", "Lütgendortmund", "2026-12-01T10:00", None)
    closed = next(p for p in ask(registry, case, limit=10).places if p.place.key == "luedo-bib")
    assert "heute geschlossen" in closed.reasons
    assert "morgen 10–18 Uhr geöffnet" in closed.reasons


def test_other_places_page_continues_without_repeats(registry: list[PlaceRecord]) -> None:
    case = Case("x", "Ich habe eine Frage", "Hörde", TUESDAY, None)
    everything = ask(registry, case, limit=50)
    pages = [ask(registry, case, limit=2, offset=offset) for offset in (0, 2, 4)]
    keys = [p.place.key for page in pages for p in page.places]
    assert keys == [p.place.key for p in everything.places][:6]
    assert len(set(keys)) == len(keys)
    assert pages[1].places[0].rank == 3
    assert all(page.total == everything.total for page in pages)


def test_unknown_district_still_ranks_by_time(registry: list[PlaceRecord]) -> None:
    case = Case("x", "Ich brauche Hilfe mit dem Tablet", None, TUESDAY, None)
    result = ask(registry, case)
    assert result.places and result.notice is None
    assert all(p.tier == "unknown" for p in result.places)
    assert result.places[0].slot is not None and result.places[0].slot.now_open


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Welche Bücherei ist bei mir in Hörde in der Nähe?", "bibliothek", True),
        ("gibts in hörde ne stadtteilbibliothek mit computern", "bibliothek", True),
        # The test registry has no VHS: the nearest places that fit otherwise.
        ("Wo ist die Volkshochschule?", "vhs", False),
    ],
)
def test_a_kind_of_place_asked_for_by_name_lists_only_that_kind(
    registry: list[PlaceRecord], text: str, kind: str, found: bool
) -> None:
    need = get_needs().build(text=text)
    assert {str(t) for t in need.operator_types} == {kind}
    now = datetime.fromisoformat(TUESDAY).replace(tzinfo=UTC)
    result = route(registry, need, "Hörde", get_geography(), now, limit=10)
    assert result.places
    assert all(str(r.place.operator_type) == kind for r in result.places) is found
    # Without the name, other kinds of place come first.
    anything = route(registry, get_needs().build(text="Hilfe"), "Hörde", get_geography(), now)
    assert {str(r.place.operator_type) for r in anything.places} - {kind}
