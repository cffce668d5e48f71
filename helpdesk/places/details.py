"""Follow-up questions about places the bot has just named: "Und wann haben die offen?",
"Wo ist das genau?", "Kann ich da mit dem Rollstuhl rein?", "Sprechen die Türkisch?".

Pure Python (no framework): which aspects a question asks about (keyword rules, German
and the way citizens write), and one German line per place and aspect, from the place
registry. The phrases live in ``data/texts.yml`` ("detail.*").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.places.hours import format_week
from helpdesk.places.reasons import has_phrase, phrase
from helpdesk.places.record import PlaceRecord

ASPECTS = ("hours", "address", "access", "languages", "phone", "cost")
_ASPECT_WORDS = {
    "hours": r"offen|geöffnet|geoeffnet|öffnungszeit|oeffnungszeit|uhrzeit|wann|zeiten|"
    r"sprechstunde|heute|morgen|wochenende|samstag|sonntag|auf\b|zu\b",
    "address": r"wo\b|adresse|straße|strasse|hinkommen|hin\b|weg\b|bus|bahn|haltestelle|"
    r"genau|liegt|finde ich",
    "access": r"rollstuhl|rollator|rolli|treppe|stufe|aufzug|fahrstuhl|barriere|gehwagen|"
    r"gehbehindert|laufen",
    "languages": r"sprache|sprechen|spricht|türkisch|tuerkisch|arabisch|russisch|"
    r"ukrainisch|polnisch|englisch|deutsch|persisch|rumänisch|bulgarisch|griechisch|"
    r"italienisch|französisch|spanisch",
    "phone": r"telefon|nummer|anrufen|erreichen|e-mail|email|mail",
    "cost": r"kost|bezahl|gebühr|gebuehr|umsonst|gratis|preis|teuer|geld",
}
# A language named in the question ("Sprechen die Türkisch?") → its code in the registry.
_LANGUAGE_CODES = {
    "tr": r"türkisch|tuerkisch",
    "ar": r"arabisch",
    "ru": r"russisch",
    "uk": r"ukrainisch",
    "pl": r"polnisch",
    "en": r"englisch",
    "fa": r"persisch|farsi",
    "ro": r"rumänisch|rumaenisch",
    "bg": r"bulgarisch",
    "el": r"griechisch",
    "it": r"italienisch",
    "fr": r"französisch|franzoesisch",
    "es": r"spanisch",
}
# "der zweite", "beim ersten Ort", "Nummer 3", "den letzten": one of the places shown.
_ORDINALS = (
    (0, r"erste[nmrs]?|nummer 1|nr\.? ?1|1\. ort"),
    (1, r"zweite[nmrs]?|nummer 2|nr\.? ?2|2\. ort"),
    (2, r"dritte[nmrs]?|nummer 3|nr\.? ?3|3\. ort"),
    (-1, r"letzte[nmrs]?"),
)
_ORDINAL_PATTERNS = tuple((index, re.compile(rf"\b({words})(?!\w)")) for index, words in _ORDINALS)
_LANGUAGE_PATTERNS = {code: re.compile(words) for code, words in _LANGUAGE_CODES.items()}
_PATTERNS = {aspect: re.compile(words) for aspect, words in _ASPECT_WORDS.items()}


@dataclass(frozen=True)
class DetailAnswer:
    """German lines answering the question, one per place and aspect asked."""

    aspects: tuple[str, ...]
    lines: tuple[str, ...]


def asked_aspects(question: str) -> tuple[str, ...]:
    """The aspects a follow-up asks about, in a fixed order; hours when none is named."""
    lowered = question.lower()
    found = tuple(a for a in ASPECTS if _PATTERNS[a].search(lowered))
    return found or ("hours",)


def chosen_place(count: int, question: str) -> int | None:
    """The index of the one place a follow-up names by its position ("der zweite"), or
    None when it names none, several, or one that was not shown."""
    lowered = question.lower()
    named = {index for index, pattern in _ORDINAL_PATTERNS if pattern.search(lowered)}
    if len(named) != 1:
        return None
    index = named.pop()
    if index == -1:
        return count - 1 if count > 1 else None
    return index if index < count else None


def describe(places: list[PlaceRecord], question: str) -> DetailAnswer:
    """Answer ``question`` for each of ``places`` (in the order they were shown), or for
    the one place the question names by its position."""
    aspects = asked_aspects(question)
    lowered = question.lower()
    chosen = chosen_place(len(places), question)
    if chosen is not None:
        places = [places[chosen]]
    named = tuple(code for code, pattern in _LANGUAGE_PATTERNS.items() if pattern.search(lowered))
    lines = [_line(place, aspect, named) for place in places for aspect in aspects]
    if any(place.is_example_data for place in places):
        lines.append(phrase("detail.example_data"))
    return DetailAnswer(aspects, tuple(lines))


def _line(place: PlaceRecord, aspect: str, named: tuple[str, ...] = ()) -> str:
    name = place.name
    if aspect == "hours":
        opening = format_week(place.opening_hours)
        consultation = format_week(place.consultation_hours)
        if not opening and not consultation:
            return phrase("detail.hours_unknown", name=name)
        if consultation:
            return phrase(
                "detail.hours", name=name, opening=opening or "-", consultation=consultation
            )
        return phrase("detail.hours_open_only", name=name, opening=opening)
    if aspect == "address":
        if place.street:
            return phrase(
                "detail.address", name=name, street=place.street, postcode=place.postcode,
                stadtteil=place.stadtteil or place.stadtbezirk,
            )  # fmt: skip
        return phrase("detail.address_unknown", name=name, stadtteil=place.stadtteil)
    if aspect == "access":
        key = f"detail.access.{place.accessibility}"
        line = phrase(key if has_phrase(key) else "detail.access.unknown", name=name)
        notes = place.accessibility_notes.strip()
        return f"{line} {notes}" if notes else line
    if aspect == "languages":
        names = [
            phrase(f"language.{code}") for code in place.languages if has_phrase(f"language.{code}")
        ]
        spoken = ", ".join(names) or "Deutsch"
        if named:
            # Say the asked language by name, yes or no, then what is spoken there.
            asked = [phrase(f"language.{code}") for code in named]
            yes = [code for code in named if code in place.languages]
            key = "detail.language_yes" if len(yes) == len(named) else "detail.language_no"
            return phrase(key, name=name, asked=" und ".join(asked), languages=spoken)
        return phrase("detail.languages", name=name, languages=spoken)
    if aspect == "cost":
        key = "detail.cost_printing" if "printing" in place.services else "detail.cost"
        return phrase(key, name=name)
    if place.phone or place.email:
        contact = " / ".join(part for part in (place.phone, place.email) if part)
        return phrase("detail.phone", name=name, contact=contact)
    return phrase("detail.phone_unknown", name=name)
