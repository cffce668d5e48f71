"""Article files: the shipped ones are valid, broken ones are refused with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import Article, ArticleError, default_articles_dir, load_article, load_directory
from knowledge.articles import MAX_SMS_LENGTH, MIN_QUESTIONS
from knowledge.gsm7 import gsm7_length
from tests.unit.knowledge.factory import article_text, write_article

SHIPPED = sorted(default_articles_dir().glob("*.md"))
# Numbers and addresses an article may name. Anything else is likely invented.
KNOWN_NUMBERS = {
    "116 116",  # the nationwide Sperr-Notruf for bank cards and online banking
    "123456",  # the example of a bad password
    "116 117",  # the nationwide medical on-call service (Bereitschaftsdienst)
}
KNOWN_ADDRESSES = {
    "example.com",  # reserved for examples (RFC 2606), leads nowhere
    "gmail.com",  # the ending of Google's e-mail addresses
    "dortmund.de",  # the city's own website
    "web.de",  # a large German e-mail provider
    "icloud.com",  # Apple's online storage and "Wo ist?" (find my phone)
    "google.com",  # Google's "Mein Gerät finden"
    "photos.google.com",  # Google Fotos on the web
    "gesund.bund.de",  # the Federal Ministry of Health's health portal
    "gesundheitsinformation.de",  # IQWiG's independent health information
    "verbraucherzentrale.de",  # the consumer advice centres
    "test.de",  # Stiftung Warentest
    "de.wikipedia.org",  # the German Wikipedia
    "duden.de",  # the German dictionary
    "dict.leo.org",  # a free online dictionary
}
PHONE_NUMBER = re.compile(r"\+?\d[\d /-]{4,}\d")
WEB_ADDRESS = re.compile(r"https?://\S+|www\.\S+|\b[\w.-]+\.(?:de|com|org|net|eu)\b", re.I)


# --- the shipped articles -------------------------------------------------------------


def test_all_shipped_articles_load_as_one_consistent_set() -> None:
    articles = load_directory(default_articles_dir())
    assert len(articles) == len(SHIPPED) >= 8
    by_id = {article.id for article in articles}
    for article in articles:
        assert set(article.related) <= by_id, article.id


@pytest.fixture(params=SHIPPED, ids=[path.stem for path in SHIPPED])
def shipped(request: pytest.FixtureRequest) -> Article:
    path: Path = request.param
    return load_article(path)


def test_shipped_article_is_stored_as_its_id(shipped: Article) -> None:
    assert shipped.path.name == f"{shipped.id}.md"


def test_shipped_sms_form_fits_two_gsm7_segments(shipped: Article) -> None:
    assert gsm7_length(shipped.sms) <= MAX_SMS_LENGTH


def test_shipped_article_has_enough_citizen_questions(shipped: Article) -> None:
    assert len(set(shipped.questions)) >= MIN_QUESTIONS


def test_shipped_article_has_both_sections(shipped: Article) -> None:
    assert len(shipped.answer.split()) > 30
    assert len(shipped.easy.split()) > 20
    assert "## " not in shipped.answer and "## " not in shipped.easy


def test_shipped_article_offers_personal_help(shipped: Article) -> None:
    assert "MENSCH" in shipped.answer
    assert "MENSCH" in shipped.easy


def test_shipped_article_invents_no_phone_numbers_or_web_addresses(shipped: Article) -> None:
    for text in (shipped.answer, shipped.easy, shipped.sms):
        assert set(PHONE_NUMBER.findall(text)) <= KNOWN_NUMBERS, shipped.id
        addresses = {address.split("@")[-1].lower() for address in WEB_ADDRESS.findall(text)}
        assert addresses <= KNOWN_ADDRESSES, shipped.id


# --- validation ------------------------------------------------------------------------


def _error_for(tmp_path: Path, **kwargs: object) -> str:
    path = write_article(tmp_path, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ArticleError) as raised:
        load_article(path)
    message = str(raised.value)
    assert message.startswith(f"{path.name}: ")
    return message


def test_valid_article_loads_with_all_fields(tmp_path: Path) -> None:
    article = load_article(write_article(tmp_path, related=["other"]))
    assert article.id == "foto-test"
    assert article.competence_area == "4"
    assert len(article.questions) == 5
    assert article.answer.startswith("Öffnen Sie die Kamera-App")
    assert article.easy == "Öffnen Sie die Kamera. Tippen Sie auf den Knopf."
    assert article.related == ("other",)
    assert article.review_by.isoformat() == "2027-06-30"


def test_missing_field_is_named(tmp_path: Path) -> None:
    assert "missing field(s): sms" in _error_for(tmp_path, drop=("sms",))


def test_unknown_field_is_named(tmp_path: Path) -> None:
    assert "unknown field(s): question" in _error_for(tmp_path, question=["Wie?"])


def test_sms_longer_than_two_segments_is_refused(tmp_path: Path) -> None:
    message = _error_for(tmp_path, sms="a" * (MAX_SMS_LENGTH + 1))
    assert f"sms is {MAX_SMS_LENGTH + 1} GSM-7 characters long, at most {MAX_SMS_LENGTH}" in message


def test_emoji_in_sms_is_refused(tmp_path: Path) -> None:
    message = _error_for(tmp_path, sms="Foto machen 📱 ganz einfach")
    assert "sms is not GSM-7" in message
    assert "U+1F4F1" in message


@pytest.mark.parametrize("char", ["„", "“", "–", "…", "’"])
def test_typographic_punctuation_in_sms_is_refused(tmp_path: Path, char: str) -> None:
    assert "sms is not GSM-7" in _error_for(tmp_path, sms=f"Tippen Sie {char}Senden{char}.")


def test_german_letters_count_once_and_euro_twice() -> None:
    assert gsm7_length("äöüÄÖÜß") == 7
    assert gsm7_length("5 €") == 4


def test_euro_sign_can_push_sms_over_the_limit(tmp_path: Path) -> None:
    fits = "a" * (MAX_SMS_LENGTH - 2) + "€"
    assert load_article(write_article(tmp_path, sms=fits)).sms == fits
    assert "307 GSM-7 characters" in _error_for(tmp_path, sms="a" * (MAX_SMS_LENGTH - 1) + "€")


@pytest.mark.parametrize("area", ["7", "0", "lokale Dienste", 4.5, None])
def test_unknown_competence_area_is_refused(tmp_path: Path, area: object) -> None:
    assert "competence_area" in _error_for(tmp_path, competence_area=area)


def test_unquoted_competence_area_number_is_accepted(tmp_path: Path) -> None:
    assert load_article(write_article(tmp_path, competence_area=3)).competence_area == "3"


def test_too_few_questions_are_refused(tmp_path: Path) -> None:
    message = _error_for(tmp_path, questions=["Wie?", "Was?"])
    assert f"questions has 2 entries, at least {MIN_QUESTIONS} needed" in message


def test_missing_leichte_sprache_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "foto-test.md"
    path.write_text(article_text().split("## Leichte Sprache")[0], encoding="utf-8")
    with pytest.raises(ArticleError, match="section '## Leichte Sprache' is missing"):
        load_article(path)


def test_misspelt_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "foto-test.md"
    path.write_text(article_text().replace("## Leichte Sprache", "## Leichte sprache"), "utf-8")
    with pytest.raises(ArticleError, match="unknown section '## Leichte sprache'"):
        load_article(path)


def test_file_without_front_matter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ohne.md"
    path.write_text("## Antwort\nText\n", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"^ohne\.md: no YAML front matter"):
        load_article(path)


def test_broken_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kaputt.md"
    path.write_text("---\nid: [kaputt\n---\n## Antwort\nA\n", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"^kaputt\.md: front matter is not valid YAML"):
        load_article(path)


def test_bad_review_date_is_refused(tmp_path: Path) -> None:
    assert "review_by 'bald' must be a date" in _error_for(tmp_path, review_by="bald")


def test_bad_id_is_refused(tmp_path: Path) -> None:
    assert "must be lower-case words joined by hyphens" in _error_for(
        tmp_path, article_id="Foto Test", name="foto.md"
    )


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    write_article(tmp_path, name="a-foto.md")
    write_article(tmp_path, name="b-foto.md")
    with pytest.raises(
        ArticleError, match=r"b-foto\.md: duplicate id 'foto-test' \(also in a-foto\.md\)"
    ):
        load_directory(tmp_path)


def test_related_id_must_exist(tmp_path: Path) -> None:
    write_article(tmp_path, related=["gibt-es-nicht"])
    with pytest.raises(ArticleError, match="related id 'gibt-es-nicht' does not exist"):
        load_directory(tmp_path)
