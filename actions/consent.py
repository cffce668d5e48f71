"""Explicit consent: only a clear "ja" (or the Ja button) counts as yes.

Consent lets staff read the conversation, so it must be given, never inferred. The NLU
intent is not enough ("ja nicht!" or "Januar" can look like ``affirm``), and neither is a
text that merely starts with "ja". A free-text answer counts as yes only when every word
belongs to a short list of agreeing words and none of them negates; the same, mirrored,
for no. Everything else is unclear and the question is asked again.
"""

from __future__ import annotations

import re

YES = "ja"
NO = "nein"

AFFIRM_PAYLOAD = "/affirm"
DENY_PAYLOAD = "/deny"

# Words that say yes on their own ("gut", "passt", "in Ordnung").
_YES_WORDS = frozenset(
    {
        "ja", "jaa", "jaaa", "jo", "joa", "jep", "jap", "jawohl", "yes", "j",
        "ok", "okay", "okey", "oke", "okee", "einverstanden", "gerne", "gern",
        "klar", "natürlich", "natuerlich", "selbstverständlich", "sicher", "genau",
        "ordnung", "passt", "gut", "richtig", "stimmt", "bitte", "👍",
    }
)  # fmt: skip
# Words that say no on their own.
_NO_WORDS = frozenset(
    {
        "nein", "nee", "ne", "nö", "noe", "no", "nicht", "kein", "keine", "keinen",
        "nie", "niemals", "abbrechen", "stopp", "stop", "👎",
    }
)  # fmt: skip
# Words that may stand beside either without changing what is meant.
_FILLER = frozenset(
    {
        "ich", "bin", "damit", "das", "ist", "in", "sehr", "mach", "machen", "sie",
        "es", "schon", "danke", "vielen", "dank", "na", "also", "dann", "ganz", "auf",
        "jeden", "fall", "alles", "geben", "weiter", "mir", "recht", "lieber",
        "einverstanden", "doch", "bitteschön", "gerne", "möchte", "will",
        "ach", "so", "achso", "aha", "oh", "prima", "super", "schön", "wunderbar", "wir",
        "können", "kann", "helfen", "helft", "hilfe", "tun", "uns",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+|👍|👎", re.UNICODE)
_ANY_DIGIT_OR_SYMBOL = re.compile(r"[\d@:/\\<>{}\[\]=]")


def _words(text: str) -> list[str] | None:
    """The lower-case words of a short plain answer, or None for anything else."""
    cleaned = text.strip().lower()
    if not cleaned or len(cleaned) > 80 or _ANY_DIGIT_OR_SYMBOL.search(cleaned):
        return None
    leftover = _WORD.sub(" ", cleaned)
    if re.search(r"[^\s.,!?;'\"-]", leftover):  # characters that are neither words nor marks
        return None
    return [
        _STRETCHED.get(word[:2], word) if _is_stretched(word) else word
        for word in _WORD.findall(cleaned)
    ]


_STRETCHED = {"ja": "ja", "ne": "nee", "ok": "ok"}


def _is_stretched(word: str) -> bool:
    """ "jaaa", "neee", "okkk": a yes or no typed with a held key."""
    return bool(re.fullmatch(r"ja+|ne{2,}|ok+", word))


def consent_answer(text: str) -> str | None:
    """``"ja"``, ``"nein"`` or None (unclear) for an answer to a consent question.

    The Ja/Nein buttons (and their SMS digits, which the app turns into the button's
    payload) send ``/affirm`` and ``/deny``; typed answers are read word by word.
    """
    stripped = text.strip()
    if stripped == AFFIRM_PAYLOAD:
        return YES
    if stripped == DENY_PAYLOAD:
        return NO
    words = _words(stripped)
    if not words:
        return None
    says_yes = any(word in _YES_WORDS for word in words)
    says_no = any(word in _NO_WORDS for word in words)
    known = all(word in _YES_WORDS or word in _NO_WORDS or word in _FILLER for word in words)
    if not known or says_yes == says_no:
        return None
    return YES if says_yes else NO
