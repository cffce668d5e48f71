"""Remove what could identify a person from a question before editors see it.

Replaced by a placeholder in square brackets: URLs, e-mail addresses, phone numbers,
IBANs, runs of four or more digits (customer, account and card numbers, PINs, years of
birth, postcodes), and names: the words after "ich heiße", "mein Name ist", "hier
ist/spricht/schreibt" and "ich bin Frau/Herr", and a greeting's signature ("LG Erika").
What is left is normalised (NFC, lower case, single spaces) and cut to a length limit.

Deliberately greedy: a lost word in an editor's list costs little, a leaked phone
number is a data breach.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 300

URL = "[link]"
EMAIL = "[e-mail]"
PHONE = "[telefon]"
NUMBER = "[zahl]"
NAME = "[name]"

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:de|com|net|org|eu|info)\b\S*", re.I
)
_EMAIL = re.compile(r"[\w.+-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+", re.I)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?\d{2,4}){3,8}\b", re.I)
# +49 ..., 0049 ..., 0231 ..., 0170-..., (0231) 12 34 56: a leading + or 0, then at least
# five more digits with spaces, slashes, dots, dashes or brackets between them.
_PHONE = re.compile(r"(?<![\w./-])(?:\+|00|0|\(0)[\d()][\d\s/().-]{4,}\d")
_DIGITS = re.compile(r"\d(?:[\s./-]?\d){3,}")
_WORD = r"[A-ZÄÖÜa-zäöüß][\w'-]*"
# Further words of a name only when written with a capital ("Erika Maria Muster", not
# "erika und"); the first word counts in any case, as people write their name lower case.
_MORE = r"(?:\s+(?-i:[A-ZÄÖÜ][\w'-]*)){0,2}"
_NAME_INTRO = re.compile(
    r"\b(?:ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name\s*:|name\s*:|ich\s+bin\s+(?:die|der)\s+"
    r"|ich\s+bin\s+(?:frau|herr)|hier\s+(?:ist|spricht|schreibt)(?:\s+(?:die|der|frau|herr))?)"
    rf"\s*({_WORD}{_MORE})",
    re.I,
)
_SIGNATURE = re.compile(
    r"\b(?:lg|vg|mfg|gruß|gruss|grüße|gruesse|viele\s+grüße|liebe\s+grüße|"
    r"mit\s+freundlichen\s+grüßen|danke\s+und\s+grüße)"
    rf"[\s,]+({_WORD}{_MORE})\s*[.!]*\s*$",
    re.I,
)
_SPACE = re.compile(r"\s+")


def _name(match: re.Match[str]) -> str:
    start, _ = match.span(1)
    return match.string[match.start() : start] + NAME


def redact(text: str) -> str:
    """The question without personal data, normalised; may be empty."""
    value = unicodedata.normalize("NFC", text)
    value = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value)
    value = _EMAIL.sub(EMAIL, value)
    value = _URL.sub(URL, value)
    value = _IBAN.sub(NUMBER, value)
    value = _PHONE.sub(PHONE, value)
    value = _DIGITS.sub(NUMBER, value)
    value = _NAME_INTRO.sub(_name, value)
    value = _SIGNATURE.sub(_name, value)
    value = _SPACE.sub(" ", value).strip().lower()
    if len(value) > MAX_CHARS:
        value = value[: MAX_CHARS - 1].rstrip() + "…"
    return value
