"""German normalisation: queries and articles fold to the same terms."""

from __future__ import annotations

import pytest

from knowledge import lemmas
from knowledge.normalize import fold, stem, tokenize, tokenize_without_lemmas, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Größe", "groesse"),
        ("ÄÖÜ äöü", "aeoeue aeoeue"),
        ("Straße", "strasse"),
        ("GROSSE SCHRIFT", "grosse schrift"),
        ("Café", "cafe"),
        ("Bu\u0308cherei", "buecherei"),  # ü typed as u + combining diaeresis
    ],
)
def test_fold_lowercases_and_spells_out_umlauts(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_umlaut_and_its_spelt_out_form_give_the_same_terms() -> None:
    assert tokenize("Bücherei größer Größe") == tokenize("buecherei groesser groesse")


def test_hyphen_compound_yields_parts_and_joined_word() -> None:
    assert words("Passwort-Manager") == ["passwort", "manager", "passwortmanager"]


def test_one_letter_parts_of_compounds_are_dropped() -> None:
    assert words("W-LAN und E-Mail") == ["lan", "wlan", "und", "mail", "email"]


def test_punctuation_and_markdown_are_separators() -> None:
    assert words("**Hallo**!!! Wie geht's? 1. (Foto) Seite 12") == [
        "hallo",
        "wie",
        "geht",
        "foto",
        "seite",
        "12",
    ]


def test_case_does_not_matter() -> None:
    assert tokenize("WLAN Passwort") == tokenize("wlan passwort") == tokenize("Wlan PASSWORT")


def test_stop_words_and_fillers_are_dropped() -> None:
    assert tokenize("Wie mache ich ein Foto mit dem Handy?") == ["mach", "foto", "handy"]
    assert tokenize("wie ging das nochmal, ich brauche hilfe") == []


@pytest.mark.parametrize(
    "forms",
    [
        ["Passwort", "Passwörter", "passwoerter"],
        ["Enkel", "Enkeln", "Enkelin", "Enkelinnen"],
        ["Foto", "Fotos"],
        ["schicken", "schickt", "geschickt", "schicke"],
        ["groß", "größer", "Größe", "GROESSE"],
        ["Einstellungen", "Einstellung"],
        ["App", "Apps"],
        ["Bild", "Bilder"],
    ],
)
def test_inflected_forms_share_a_stem(forms: list[str]) -> None:
    assert len({stem(fold(form)) for form in forms}) == 1


def test_stemming_keeps_at_least_three_letters() -> None:
    assert stem("sms") == "sms"
    assert stem("wlan") == "wlan"
    assert stem("gross") == "gross"


def test_backup_and_safe_do_not_meet() -> None:
    assert stem(fold("Sicherung")) != stem(fold("sicher"))


# --- typos, compounds, lemmas ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "right"),
    [("whatsap", "WhatsApp"), ("Handi", "Handy"), ("passwrt", "Passwort"), ("Googel", "Google")],
)
def test_common_typos_give_the_terms_of_the_right_word(typo: str, right: str) -> None:
    assert tokenize(typo) == tokenize(right)


def test_compound_with_and_without_hyphen_share_the_joined_term() -> None:
    joined = tokenize("Passwortmanager")
    assert set(joined) <= set(tokenize("Passwort-Manager"))


def test_tokenizer_without_lemmas_still_folds_and_stems() -> None:
    assert tokenize_without_lemmas("Größe der Fotos") == ["gross", "foto"]


@pytest.mark.parametrize(
    ("form", "base"),
    [("schickte", "schicken"), ("Zähne", "Zahn"), ("verbinde", "verbinden"), ("Bilder", "Bild")],
)
def test_spacy_lookup_lemmas_join_irregular_forms(form: str, base: str) -> None:
    pytest.importorskip("spacy_lookups_data")
    assert lemmas.available()
    assert tokenize(form) == tokenize(base)


def test_lemmas_do_not_turn_safe_into_back_up_or_data_into_date() -> None:
    assert lemmas.lemma("sicher") == "sicher"
    assert lemmas.lemma("daten") == "daten"


def test_without_spacy_the_lemma_is_the_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lemmas, "_lookup", lambda: None)
    lemmas.lemma.cache_clear()
    try:
        assert lemmas.lemma("schickte") == "schickte"
    finally:
        lemmas.lemma.cache_clear()
