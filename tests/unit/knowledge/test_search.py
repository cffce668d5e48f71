"""Search over the shipped articles: citizens' own words find the right article.

The queries are written the way citizens write (no capitals, typos, SMS style) and
are deliberately not copies of any article's questions. They also serve to tune
`knowledge.search.CONFIDENT`.
"""

from __future__ import annotations

import pytest

from knowledge import CONFIDENT, KnowledgeBase, default_articles_dir, load_directory
from knowledge.normalize import fold

CITIZEN_QUERIES = [
    ("hab ne sms bekommen paket kommt nicht, soll ich klicken", "sms-betrug-erkennen"),
    (
        "Ich habe eine SMS von meiner Bank bekommen, ich soll meine Daten bestätigen",
        "sms-betrug-erkennen",
    ),
    ("habe auf link geklickt und geld bezahlt", "sms-betrug-erkennen"),
    ("bekomme komische sms von dhl", "sms-betrug-erkennen"),
    ("mit den enkeln per kamera reden", "videoanruf-whatsapp"),
    ("enkelkinder über whatsapp sehen", "videoanruf-whatsapp"),
    ("videotelefonat mit der familie", "videoanruf-whatsapp"),
    ("schrift zu klein auf handy", "schrift-groesser"),
    ("buchstaben größer stellen iphone", "schrift-groesser"),
    ("kann nix lesen auf dem display", "schrift-groesser"),
    ("wie komme ich ins wlan in der bücherei", "wlan-verbinden"),
    ("internet zuhause verbinden mit router", "wlan-verbinden"),
    ("wie kriege ich wlan aufs handy", "wlan-verbinden"),
    ("wie kann ich ein bild machen und meiner tochter schicken", "foto-machen-und-senden"),
    ("foto mit whatsap verschiken", "foto-machen-und-senden"),
    ("fotografieren mit dem handy", "foto-machen-und-senden"),
    ("wie geht email schreiben", "erste-email-schreiben"),
    ("was schreib ich beim betreff", "erste-email-schreiben"),
    ("ein mail an meinen enkel schicken", "erste-email-schreiben"),
    ("welches kennwort ist sicher", "sicheres-passwort"),
    ("passwort vergessen ständig, wie merken", "sicheres-passwort"),
    ("bibliotheksausweis kosten für schüler", "bibliotheksausweis-ebooks"),
    ("ebooks ausleihen in dortmund", "bibliotheksausweis-ebooks"),
    ("wo bekomme ich einen ausweis für die bibliothek", "bibliotheksausweis-ebooks"),
]

OFF_TOPIC = [
    "asdf",
    "qwertz uiop",
    "wie wird das wetter morgen",
    "wer wird deutscher meister",
    "was kostet ein brötchen",
    "wann fährt der bus nach hörde",
    "ich brauche einen termin beim bürgeramt",
    "wo ist die nächste apotheke",
    "rezept für apfelkuchen",
    "wie alt ist der papst",
    "handy kaputt display gesprungen",
    "hallo",
    "danke",
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_directory(default_articles_dir())


def test_queries_are_not_copies_of_article_questions() -> None:
    questions = {
        fold(q).strip(" ?!.") for a in load_directory(default_articles_dir()) for q in a.questions
    }
    assert not {fold(query) for query, _ in CITIZEN_QUERIES} & questions


@pytest.mark.parametrize(("query", "article_id"), CITIZEN_QUERIES)
def test_citizen_query_finds_the_right_article_confidently(
    kb: KnowledgeBase, query: str, article_id: str
) -> None:
    hits = kb.search(query)
    assert hits[0].article.id == article_id
    assert hits[0].confident, f"confidence {hits[0].confidence:.2f} < {CONFIDENT}"


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_or_gibberish_query_is_not_confident(kb: KnowledgeBase, query: str) -> None:
    assert not any(hit.confident for hit in kb.search(query))


@pytest.mark.parametrize("query", ["mein handy", "hilfe", "ich habe eine frage zum handy"])
def test_vague_query_is_not_confident(kb: KnowledgeBase, query: str) -> None:
    assert not any(hit.confident for hit in kb.search(query))


@pytest.mark.parametrize("query", ["", "   ", "?!", "ich", "wie geht das"])
def test_query_without_content_words_finds_nothing(kb: KnowledgeBase, query: str) -> None:
    assert kb.search(query) == []


def test_only_the_first_hit_can_be_confident(kb: KnowledgeBase) -> None:
    for query, _ in CITIZEN_QUERIES:
        hits = kb.search(query, limit=5)
        assert not any(hit.confident for hit in hits[1:]), query


def test_hits_are_ranked_and_confidences_in_range(kb: KnowledgeBase) -> None:
    hits = kb.search("whatsapp foto video enkel", limit=8)
    assert len(hits) >= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0.0 <= h.confidence <= 1.0 for h in hits)


def test_limit_caps_the_number_of_hits(kb: KnowledgeBase) -> None:
    assert len(kb.search("handy whatsapp passwort sms wlan", limit=2)) == 2
    assert kb.search("handy", limit=0) == []


def test_get_returns_an_article_by_id(kb: KnowledgeBase) -> None:
    article = kb.get("wlan-verbinden")
    assert article is not None and article.title.startswith("Das Handy mit dem WLAN")
    assert kb.get("gibt-es-nicht") is None


def test_tokenizer_can_be_replaced(kb: KnowledgeBase) -> None:
    def with_synonyms(text: str) -> list[str]:
        return ["wlan" if word == "wifi" else word for word in fold(text).split()]

    custom = KnowledgeBase(kb.articles, tokenizer=with_synonyms)
    assert custom.search("wifi")[0].article.id == "wlan-verbinden"
    assert custom.reload_if_changed() is False  # fixed articles: nothing to watch
