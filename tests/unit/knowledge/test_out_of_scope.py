"""Questions no article answers (out_of_scope.yml): a query nearer to one of them than
to every article gets "none" in the hybrid search, and the list is checked and
reloaded like the articles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, ranking
from knowledge.articles import ArticleError, load_directory, load_out_of_scope
from knowledge.checks import check_directory
from knowledge.ranking import fused_hits
from tests.unit.knowledge.factory import write_article
from tests.unit.knowledge.test_hybrid import CONCEPTS, ConceptEmbedder

np = pytest.importorskip("numpy")

# A concept no article is about: cooking.
COOKING = ("kuchen", "backen", "rezept", "kochen")


class PassageConceptEmbedder(ConceptEmbedder):
    """ConceptEmbedder with answer passages, so the hybrid uses rank fusion."""

    def __init__(self) -> None:
        super().__init__({**CONCEPTS, "kochen": COOKING})

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        return self.embed(texts)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_article(
        tmp_path,
        article_id="foto",
        title="Ein Foto machen und senden",
        questions=[
            "Foto schicken",
            "Bild an die Enkel senden",
            "knipsen und verschicken",
            "foto senden",
            "bild machen",
        ],
    )
    write_article(
        tmp_path,
        article_id="betrug",
        title="Betrug per SMS erkennen",
        questions=["SMS mit Link", "Paket SMS echt?", "falsche sms", "betrug sms", "link sms"],
    )
    (tmp_path / "out_of_scope.yml").write_text(
        "topics:\n  kochen:\n    - Rezept für Kuchen\n    - wie lange kochen\n", encoding="utf-8"
    )
    return tmp_path


@pytest.mark.parametrize("with_list", [True, False])
def test_query_nearer_to_an_out_of_scope_question_gets_none(
    corpus: Path, with_list: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The concept vectors are far coarser than e5's: lower the bar for "likely" so
    # that the query would be offered as a choice without the list.
    monkeypatch.setattr(ranking, "LIKELY_QUESTION_COSINE", 0.3)
    if not with_list:
        (corpus / "out_of_scope.yml").unlink()
    embedder = PassageConceptEmbedder()
    kb = KnowledgeBase.from_directory(corpus, embedder=embedder)
    assert ("Rezept für Kuchen" in embedder.calls) is with_list
    hits = kb.search("knipsen kuchen")
    assert hits and hits[0].article.id == "foto"
    assert kb.verdict(hits) == ("none" if with_list else "choices")


def test_the_rule_needs_the_out_of_scope_question_nearer_than_every_article(
    corpus: Path,
) -> None:
    articles = load_directory(corpus)
    args = ([], [0.90, 0.80], [0.88, 0.70], 2)
    kept = fused_hits(articles, *args, out_of_scope=0.89)
    assert kept[0].likely and kept[0].confidence >= 0
    outside = fused_hits(articles, *args, out_of_scope=0.91)
    assert outside[0].likely is False and not outside[0].confident
    assert [hit.article.id for hit in outside] == [hit.article.id for hit in kept]


def test_article_questions_are_not_affected(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, embedder=PassageConceptEmbedder())
    hits = kb.search("bild an die enkel knipsen")
    assert hits[0].article.id == "foto"
    assert kb.verdict(hits) != "none"


def test_a_changed_list_is_reloaded(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, embedder=PassageConceptEmbedder())
    assert kb.out_of_scope == ("Rezept für Kuchen", "wie lange kochen")
    path = corpus / "out_of_scope.yml"
    path.write_text("topics:\n  sport:\n    - Fussball heute\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert kb.reload_if_changed()
    assert kb.out_of_scope == ("Fussball heute",)


def test_a_broken_list_keeps_the_current_articles(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, embedder=PassageConceptEmbedder())
    (corpus / "out_of_scope.yml").write_text("topics: [nur, eine, liste]\n", encoding="utf-8")
    assert not kb.reload_if_changed()
    assert kb.last_error is not None and "out_of_scope.yml" in str(kb.last_error)
    assert kb.verdict(kb.search("rezept zum kuchen backen mit bild")) == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("topics: [a, b]\n", "needs 'topics:'"),
        ("topics:\n  sport: []\n", "needs a list"),
        ("topics:\n  sport:\n    - ''\n", "empty entry"),
        ("topics:\n  sport:\n    - " + "x" * 201 + "\n", "longer than 200"),
        ("topics: [\n", "not valid YAML"),
    ],
)
def test_invalid_lists_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "out_of_scope.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ArticleError, match=message):
        load_out_of_scope(tmp_path)


def test_missing_list_means_none(tmp_path: Path) -> None:
    assert load_out_of_scope(tmp_path) == ()


def test_check_reports_an_entry_that_an_article_asks(corpus: Path) -> None:
    (corpus / "out_of_scope.yml").write_text(
        "topics:\n  doppelt:\n    - 'Paket-SMS echt?'\n", encoding="utf-8"
    )
    _, problems = check_directory(corpus)
    assert [p for p in problems if p.startswith("out_of_scope")] == [
        "out_of_scope.yml: 'Paket-SMS echt?' is a question of betrug.md"
    ]


def test_the_shipped_list_loads_and_passes_the_check() -> None:
    directory = Path(__file__).resolve().parents[3] / "knowledge" / "articles"
    assert len(load_out_of_scope(directory)) >= 50
    _, problems = check_directory(directory)
    assert not [p for p in problems if p.startswith("out_of_scope.yml")]
