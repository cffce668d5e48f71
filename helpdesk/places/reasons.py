"""German reason fragments and the SMS form of a routed place (pure Python).

The wording lives in ``data/texts.yml``; this module only picks and fills templates.
"""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache
from pathlib import Path

import yaml

from helpdesk.places.hours import Slot, Span

DATA = Path(__file__).resolve().parent / "data" / "texts.yml"
SMS_LIMIT = 160
# GSM 03.38 basic character set; extension characters count twice.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€")
_REPLACEMENTS = {"–": "-", "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'"}


@lru_cache
def _templates() -> dict[str, str]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in data.items()}


def phrase(key: str, **values: object) -> str:
    """The template ``key`` filled with ``values``."""
    template = _templates()[key]
    return template.format(**values) if values else template


def has_phrase(key: str) -> bool:
    """Whether a template ``key`` exists."""
    return key in _templates()


def clock(value: time) -> str:
    """ "14" for 14:00, "14:30" otherwise, "24" for the end of the day."""
    if value == time.max:
        return "24"
    return str(value.hour) if value.minute == 0 else f"{value.hour}:{value.minute:02d}"


def span_text(span: Span) -> str:
    """ "14–18" """
    return f"{clock(span.start)}–{clock(span.end)}"


def slot_phrase(slot: Slot | None, today: date, *, staffed: bool) -> str:
    """ "jetzt geöffnet bis 18 Uhr", "heute 14–18 Uhr Sprechstunde", "Mittwoch 10–12 Uhr …" """
    kind = "staffed" if staffed else "open"
    if slot is None:
        return phrase("no_time_soon")
    if slot.now_open:
        return phrase(f"{kind}_now", end=clock(slot.span.end))
    days = (slot.day - today).days
    if days == 0:
        return phrase(f"{kind}_today", span=span_text(slot.span))
    if days == 1:
        return phrase(f"{kind}_tomorrow", span=span_text(slot.span))
    weekday = phrase(f"weekday.{slot.day.weekday()}")
    return phrase(f"{kind}_later", weekday=weekday, span=span_text(slot.span))


def to_gsm7(text: str) -> str:
    """Replace characters outside GSM-7 so that an SMS stays in the 160-character form."""
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        if char in _GSM_BASIC or char in _GSM_EXTENSION:
            out.append(char)
        else:
            out.append("?")
    return "".join(out)


def gsm7_length(text: str) -> int:
    """Septets the text needs (extension characters take two)."""
    return sum(2 if char in _GSM_EXTENSION else 1 for char in text)


def sms_form(name: str, address: str, reasons: list[str], limit: int = SMS_LIMIT) -> str:
    """ "Name, Straße, PLZ: reason, reason" in GSM-7, at most ``limit`` septets.

    Reasons are dropped from the end until it fits; a too-long name is shortened.
    """
    head = to_gsm7(", ".join(part for part in (name, address) if part))
    parts = [to_gsm7(reason) for reason in reasons]
    while parts:
        text = f"{head}: {', '.join(parts)}"
        if gsm7_length(text) <= limit:
            return text
        parts.pop()
    if gsm7_length(head) <= limit:
        return head
    return head[: limit - 3] + "..."
