"""What a request asks for, and the SMS form of a place."""

from __future__ import annotations

import pytest

from helpdesk.places.needs import UnknownNeed, get_needs
from helpdesk.places.reasons import gsm7_length, sms_form, to_gsm7
from helpdesk.places.record import Service, TargetGroup


@pytest.mark.parametrize(
    ("text", "stufe", "services", "group", "wheelchair", "language"),
    [
        ("Ich habe eine Frage zu WhatsApp", 1, set(), None, False, None),
        ("Wo kann ich einen PC benutzen?", 1, {Service.PCS}, None, False, None),
        ("Ich muss was ausdrucken", 1, {Service.PRINTING}, None, False, None),
        ("Ich suche einen Kurs", 2, {Service.COURSES}, None, False, None),
        ("Ich war noch nie im Internet", 3, {Service.COURSES}, None, False, None),
        (
            "Ich bin 81 und will das Internet lernen",
            3,
            {Service.COURSES},
            TargetGroup.SENIORS,
            False,
            None,
        ),
        (
            "Unser Seniorenclub möchte ein Programm",
            4,
            {Service.COURSES},
            TargetGroup.SENIORS,
            False,
            None,
        ),
        ("Ich sitze im Rollstuhl", 1, set(), None, True, None),
        ("Hilfe auf Türkisch", 1, set(), None, False, "tr"),
        ("Ich bin 35 und brauche WLAN", 1, {Service.WLAN}, None, False, None),
    ],
)
def test_need_from_text(
    text: str,
    stufe: int,
    services: set[Service],
    group: TargetGroup | None,
    wheelchair: bool,
    language: str | None,
) -> None:
    need = get_needs().build(text=text)
    assert need.min_stufe == stufe
    assert need.services == services
    assert need.target_group == group
    assert need.wheelchair is wheelchair
    assert need.language == language


def test_named_needs_combine_and_unknown_is_refused() -> None:
    need = get_needs().build(["drucken", "kurs"])
    assert need.min_stufe == 2 and need.services == {Service.PRINTING, Service.COURSES}
    with pytest.raises(UnknownNeed):
        get_needs().build(["fliegen"])


def test_sms_form_drops_reasons_to_fit_and_uses_gsm7_only() -> None:
    reasons = ["im Nachbarbezirk Hörde", "heute 14–18 Uhr Sprechstunde", "barrierefrei"] * 4
    text = sms_form("Stadtteilbibliothek Hörde (Beispiel)", "Teststraße 1, 44263", reasons)
    assert gsm7_length(text) <= 160
    assert "–" not in text and to_gsm7(text) == text
    assert text.startswith("Stadtteilbibliothek Hörde (Beispiel), Teststraße 1, 44263: im Nach")


def test_sms_form_shortens_an_overlong_name() -> None:
    text = sms_form("X" * 300, "", ["barrierefrei"])
    assert len(text) == 160 and text.endswith("...")


def test_gsm7_extension_characters_count_twice() -> None:
    assert gsm7_length("€[]") == 6
    assert to_gsm7("Café „Süd“ ✓") == 'Café "Süd" ?'
