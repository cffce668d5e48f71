"""The lemma table kept between processes: the same table spaCy's lookup lemmatizer
uses, read back without spaCy, rebuilt when the copy is damaged."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import lemmas

WORDS = ["schickte", "zaehne", "bilder", "fotos", "verbinde", "gekriegt", "sicher", "daten"]


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Path]:
    pytest.importorskip("spacy_lookups_data")
    lemmas.use_cache(tmp_path)
    lemmas._lookup.cache_clear()
    lemmas.lemma.cache_clear()
    yield tmp_path
    lemmas.use_cache(None)
    lemmas._lookup.cache_clear()
    lemmas.lemma.cache_clear()


def _again() -> list[str]:
    lemmas._lookup.cache_clear()
    lemmas.lemma.cache_clear()
    return [lemmas.lemma(word) for word in WORDS]


def test_the_table_is_the_one_of_spacys_lookup_lemmatizer(fresh: Path) -> None:
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    lookup = lemmas._lookup()
    assert lookup is not None
    for form in ["Zähne", "schickte", "Bilder", "verbinde", "Häuser", "ging", "Passwörter"]:
        # The lemmatizer keeps a form the table does not know.
        assert (lookup(form) or form) == nlp(form)[0].lemma_, form


def test_a_second_process_reads_the_copy_without_spacy(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _again()
    assert first[:5] == ["schicken", "zahn", "bild", "foto", "verbinden"]
    copies = list(fresh.glob("lemmas-de-*.marshal"))
    assert len(copies) == 1
    monkeypatch.setitem(sys.modules, "spacy.util", None)  # importing spaCy now fails
    assert _again() == first


def test_a_damaged_copy_is_rebuilt_from_spacy(fresh: Path) -> None:
    first = _again()
    (copy,) = fresh.glob("lemmas-de-*.marshal")
    copy.write_bytes(b"\x00garbage")
    assert _again() == first
    assert copy.stat().st_size > 1_000_000
