"""German lookup lemmas from spaCy, loaded once and only when first needed.

spaCy's blank German pipeline with the lookup lemmatizer needs no trained model:
its table (about 355,000 word forms) ships in the `spacy-lookups-data` package, so
nothing is downloaded at run time. Importing spaCy takes a few seconds, so it happens
on the first lemma asked for (or in `warm_up`), never at import time; and if spaCy
is not installed (the Rasa side), `lemma` returns the word unchanged.

The table is keyed by the written form ("Fotos", "größer"), while the search works on
folded lower-case words ("fotos", "groesser"): `lemma` tries the word as it is,
capitalised (nouns), and with spelt-out umlauts turned back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# Lemmas the lookup table gets wrong for our purpose: "Daten" (data) is not the
# plural of "Datum" here, and "sicher" (safe) must not become "sichern" (back up).
_KEEP = frozenset({"daten", "sicher", "sichere", "sicheren", "sicheres", "sicherer"})
_UNFOLD = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"))

_Lookup = Callable[[str], "str | None"]


@functools.lru_cache(maxsize=1)
def _lookup() -> _Lookup | None:
    try:
        import spacy  # heavy; only here
    except ImportError:
        logger.info("spaCy not installed: knowledge search runs without lemmas")
        return None
    try:
        nlp = spacy.blank("de")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()  # reads the table from spacy-lookups-data, offline
        lemmatizer: Any = nlp.get_pipe("lemmatizer")
        table = lemmatizer.lookups.get_table("lemma_lookup")
    except Exception as exc:  # e.g. spacy-lookups-data missing
        logger.warning("spaCy lemma table not available: %s", exc)
        return None
    return lambda word: table.get(word)


def available() -> bool:
    """Whether lemmas can be looked up (loads the table on first call)."""
    return _lookup() is not None


def warm_up() -> None:
    """Load spaCy and the lemma table now, e.g. at application start-up."""
    _lookup()


@functools.lru_cache(maxsize=100_000)
def lemma(word: str) -> str:
    """Return the folded lemma of a folded word, or the word if none is known.

    Args:
        word: Lower-case word, umlauts spelt out ("passwoerter").

    Returns:
        The lemma, folded the same way ("gekriegt" → "kriegen", "fotos" → "foto").
    """
    lookup = _lookup()
    if lookup is None or word in _KEEP or len(word) < 3:
        return word
    from knowledge.normalize import fold  # normalize imports this module

    unfolded = word
    for plain, umlaut in _UNFOLD:
        unfolded = unfolded.replace(plain, umlaut)
    candidates = dict.fromkeys((word, word.capitalize(), unfolded, unfolded.capitalize()))
    for candidate in candidates:
        found = lookup(candidate)
        if found:
            return fold(found)
    return word
