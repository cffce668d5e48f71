"""When a citizen asks for a person: one place for both readings of a message.

- `asks_for_a_person`: the request in so many words, also inside a long message the NLU
  took for a how-to question ("... Kann mir nicht ein Mensch dabei helfen?"). Narrow on
  purpose: "wie kann ich jemanden anrufen" is a how-to question, not a request.
- `wants_help_after_failure`: after the citizen said an answer did not help, any help
  word is enough ("hat nicht geholfen, ich brauche hilfe"): the context already says
  the bot failed, so offering the same choices again would be the wrong turn.
"""

from __future__ import annotations

import re

PERSON_REQUEST = re.compile(
    r"\b(mit|zu)( einem| einer)?( echten| richtigen| lebendigen)? "
    r"(menschen|person|mitarbeiter(in)?|berater(in)?)\b"
    r"|\bkann (mir )?(nicht )?(bitte )?(ein mensch|jemand|wer)( von ihnen)?( persönlich)? "
    r"(mir )?(dabei |damit )?helfen\b"
    r"|\bmit (jemandem|wem|jemand) (persönlich )?(sprechen|reden|telefonieren)\b"
    r"|\bpersönlich\w* (helfen|hilfe|beraten|beratung|erklären|zeigen)\b"
    r"|\bjemand\w*,? der (mir|sich|uns)\b.{0,50}?\b"
    r"(zeigt|erklärt|anschaut|ansieht|hilft|beibringt)\b"
    r"|\b(kann|könnte) (mich|uns) (bitte )?(mal )?(jemand|wer)\b.{0,20}\b(an|zurück)rufen\b"
    r"|\bruf\w* (mich|uns) (bitte )?(mal )?(jemand|wer) (an|zurück)\b",
    re.IGNORECASE,
)
HELP_WORDS = re.compile(
    r"\b(mensch\w*|jemand\w*|person|mitarbeiter\w*|hilfe|helfen|hilft mir wer|reden|"
    r"sprechen|anrufen|rückruf|rueckruf)\b",
    re.IGNORECASE,
)


def asks_for_a_person(text: str) -> bool:
    """Whether the citizen asks, in so many words, for a person to help."""
    return bool(PERSON_REQUEST.search(text))


def wants_help_after_failure(text: str) -> bool:
    """Whether a "did not help" message also asks for help (any help word counts)."""
    return asks_for_a_person(text) or bool(HELP_WORDS.search(text))
