"""German lookup lemmas from spaCy, loaded once and only when first needed.

spaCy's lookup lemmatizer for German needs no trained model: its table (about
355,000 word forms) ships in the `spacy-lookups-data` package, so nothing is
downloaded at run time. The table is read through spaCy (its registry of lookups) on
the first lemma asked for (or in `warm_up`), never at import time, and kept as a plain
copy in the cache directory for the next process (`use_cache`); if spaCy is not
installed (the Rasa side), `lemma` returns the word unchanged.

The table is keyed by the written form ("Fotos", "größer"), while the search works on
folded lower-case words ("fotos", "groesser"): `lemma` tries the word as it is,
capitalised (nouns), and with spelt-out umlauts turned back.
"""

from __future__ import annotations

import functools
import logging
import marshal
import sys
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

# Lemmas the lookup table gets wrong for our purpose: "Daten" (data) is not the
# plural of "Datum" here, and "sicher" (safe) must not become "sichern" (back up).
_KEEP = frozenset({"daten", "sicher", "sichere", "sicheren", "sicheres", "sicherer"})
_UNFOLD = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"))

_Lookup = Callable[[str], "str | None"]
Table = dict[str, str]

# Where the table is kept between processes (set by `use_cache`); None: not kept.
_cache_dir: Path | None = None


def use_cache(directory: Path | str | None) -> None:
    """Keep the table under ``directory`` between processes.

    spaCy reads it from a compressed JSON file and takes 1-2 s to import; a copy of
    the plain table in Python's marshal format loads in about 0.2 s, which every
    start of the app (and every end-to-end test) saves. The copy is named after the
    versions of spacy-lookups-data and Python, so an upgrade makes a new one. Call
    this before the first lemma is asked for.
    """
    global _cache_dir
    _cache_dir = Path(directory) if directory else None


def _cache_file() -> Path | None:
    if _cache_dir is None:
        return None
    from importlib import metadata

    try:
        version = metadata.version("spacy-lookups-data")
    except metadata.PackageNotFoundError:
        return None
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return _cache_dir / f"lemmas-de-{version}-{python}.marshal"


def _read_cache(path: Path | None) -> Table | None:
    if path is None:
        return None
    try:
        table = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return table if isinstance(table, dict) and table else None


def _write_cache(path: Path | None, table: Table) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(marshal.dumps(table))
        temporary.replace(path)
    except OSError as exc:  # a read-only cache is no reason to fail a search
        logger.warning("lemma cache not writable: %s", exc)


def _spacy_table() -> Table | None:
    """The German lookup table exactly as spaCy's lookup lemmatizer loads it."""
    try:
        from spacy.util import load_language_data, registry  # heavy; only here
    except ImportError:
        logger.info("spaCy not installed: knowledge search runs without lemmas")
        return None
    try:
        table = load_language_data(registry.lookups.get("de")["lemma_lookup"])
    except Exception as exc:  # e.g. spacy-lookups-data missing
        logger.warning("spaCy lemma table not available: %s", exc)
        return None
    if not isinstance(table, dict):
        logger.warning("spaCy lemma table not available: not a table")
        return None
    return {str(form): str(lemma) for form, lemma in table.items()}


@functools.lru_cache(maxsize=1)
def _lookup() -> _Lookup | None:
    path = _cache_file()
    table = _read_cache(path)
    if table is None:
        table = _spacy_table()
        if table is None:
            return None
        _write_cache(path, table)
    return table.get


def available() -> bool:
    """Whether lemmas can be looked up (loads the table on first call)."""
    return _lookup() is not None


def warm_up(cache_dir: Path | str | None = None) -> None:
    """Load the lemma table now, e.g. at application start-up (from ``cache_dir`` if
    a copy is there, else through spaCy, keeping a copy there)."""
    if cache_dir is not None:
        use_cache(cache_dir)
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
