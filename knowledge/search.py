"""The knowledge base the app asks at request time, reloaded when files change.

Three ways to rank, chosen per knowledge base (see docs/knowledge-search.md):

* "lexical": BM25F over the normalised words (`knowledge.index`); pure Python.
* "semantic": cosine similarity of e5 sentence embeddings (`knowledge.semantic`).
* "hybrid": lexical first; when it is not confident, reciprocal-rank fusion of three
  rankings decides the order (BM25F, the cosine of the titles and questions, the
  cosine of the answer passages), the confidence is the better of the lexical and the
  question-cosine evidence, and "weiß ich nicht" needs all evidence to be weak.

Without an embedder (or when the embedding model fails to load) every mode is
lexical, so the search keeps working with only PyYAML installed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from knowledge.articles import (
    OUT_OF_SCOPE_FILE,
    Article,
    ArticleError,
    is_article_file,
    load_directory,
    load_out_of_scope,
)
from knowledge.index import Index
from knowledge.normalize import Tokenizer, tokenize
from knowledge.ranking import (
    Hit,
    fused_hits,
    hybrid_hits,
    lexical_hits,
    semantic_hits,
)

if TYPE_CHECKING:
    from knowledge.semantic import Embedder, SemanticIndex

logger = logging.getLogger(__name__)

Mode = Literal["lexical", "semantic", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "semantic", "hybrid")

# An unsure top hit is still worth offering as a choice (with the runner-ups) above
# these; below, nothing fits. On bench/data/knowledge_eval_de.yml no unanswerable
# question reaches them (hybrid scores of unanswerable questions end at 0.71).
CHOICES_MIN_HYBRID_SCORE = 0.72
CHOICES_MIN_CONFIDENCE = 0.35  # lexical or semantic ranking

Verdict = Literal["answer", "choices", "none"]

_Snapshot = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class _State:
    index: Index
    semantic: SemanticIndex | None
    by_id: dict[str, Article]
    snapshot: _Snapshot
    generation: int


class KnowledgeBase:
    """Searchable articles, safe to share between threads.

    Searches read one immutable state; a reload builds a new one and swaps it in with
    a single assignment, so a search never sees a half-built index.

    Args:
        articles: A fixed set of articles to search (tests, fakes); use
            `from_directory` for articles that `reload_if_changed` keeps current.
        tokenizer: Text-to-terms function for articles and queries.
        embedder: Sentence embedder for the semantic part, e.g.
            `knowledge.semantic.default_embedder()`; None searches lexically only.
        mode: "lexical", "semantic" or "hybrid"; defaults to "hybrid" with an
            embedder and "lexical" without one.
        out_of_scope: Questions no article answers; in hybrid mode a query nearer
            to one of them than to every article gets "none" (`from_directory`
            reads them from the directory's ``out_of_scope.yml``).
    """

    def __init__(
        self,
        articles: Sequence[Article] = (),
        tokenizer: Tokenizer = tokenize,
        embedder: Embedder | None = None,
        mode: Mode | None = None,
        out_of_scope: Sequence[str] = (),
    ) -> None:
        self._directory: Path | None = None
        self._out_of_scope = tuple(out_of_scope)
        self._tokenizer = tokenizer
        self._embedder = embedder
        self.mode: Mode = mode or ("hybrid" if embedder is not None else "lexical")
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} must be one of {', '.join(MODES)}")
        self._lock = threading.Lock()
        # Terms of every article text of the last build: a reload tokenizes (spaCy
        # lemmas, the slow part of a rebuild) only the texts that changed.
        self._terms: dict[str, list[str]] = {}
        self._failed_snapshot: _Snapshot | None = None
        self.last_error: ArticleError | None = None
        self._background: threading.Thread | None = None
        self._state = self._build(articles, snapshot=(), generation=0)

    @classmethod
    def from_directory(
        cls,
        path: Path | str,
        tokenizer: Tokenizer = tokenize,
        embedder: Embedder | None = None,
        mode: Mode | None = None,
        defer_embeddings: bool = False,
    ) -> KnowledgeBase:
        """Load all articles of a directory and watch it for `reload_if_changed`.

        Args:
            path: Directory holding ``<id>.md`` files.
            tokenizer: Text-to-terms function for articles and queries.
            embedder: Sentence embedder for semantic/hybrid ranking (see `__init__`).
            mode: "lexical", "semantic" or "hybrid" (see `__init__`).
            defer_embeddings: Return at once with a lexical index and embed the
                articles in a background thread (a cold vector cache takes about a
                minute for 80 articles); the embeddings take part from when they are
                ready (`wait_until_ready`). Reloads wait until then.

        Returns:
            The knowledge base.

        Raises:
            ArticleError: If an article is invalid.
        """
        kb = cls(tokenizer=tokenizer, embedder=embedder, mode=mode)
        kb._directory = Path(path)
        snapshot = _scan(kb._directory)  # before reading, so a change while reading shows
        articles = load_directory(kb._directory)
        kb._out_of_scope = load_out_of_scope(kb._directory)
        if defer_embeddings and kb._embedder is not None and kb.mode != "lexical":
            kb._state = kb._build(articles, snapshot, generation=0, with_semantic=False)
            kb._background = threading.Thread(
                target=kb._add_semantic, name="knowledge-embeddings", daemon=True
            )
            kb._background.start()
        else:
            kb._state = kb._build(articles, snapshot, generation=0)
        return kb

    @property
    def articles(self) -> tuple[Article, ...]:
        """All articles, sorted by id."""
        return self._state.index.articles

    @property
    def semantic_active(self) -> bool:
        """Whether embeddings take part in the ranking (else lexical only)."""
        return self._state.semantic is not None and self.mode != "lexical"

    @property
    def generation(self) -> int:
        """How many times the articles were reloaded since start."""
        return self._state.generation

    @property
    def out_of_scope(self) -> tuple[str, ...]:
        """The questions no article answers that the search compares queries with."""
        return self._out_of_scope

    def get(self, article_id: str) -> Article | None:
        """Return the article with this id, or None."""
        return self._state.by_id.get(article_id)

    def search(self, query: str, limit: int = 3) -> list[Hit]:
        """Find the articles that answer a citizen's question.

        Args:
            query: The citizen's text, as typed (typos, no capitals, SMS style).
            limit: Most hits to return.

        Returns:
            Up to `limit` hits, best first; empty if nothing matches at all. At most
            the first hit can be `confident`.
        """
        if limit <= 0:
            return []
        state = self._state
        matches = state.index.match(query)
        lexical = lexical_hits(matches, limit)
        if state.semantic is None or self.mode == "lexical":
            return lexical
        if not lexical and not self._tokenizer(query):
            return []  # no content word at all ("wie geht das"): not a question
        if self.mode == "hybrid" and lexical and lexical[0].confident:
            # Confident words need no second opinion (and save the ~20-50 ms of an
            # embedding).
            return lexical
        if self.mode == "semantic":
            similarities = state.semantic.similarities(query)
            return semantic_hits(state.index.articles, similarities, limit)
        if state.semantic.has_passages:
            found = state.semantic.all_similarities(query)
            return fused_hits(
                state.index.articles,
                matches,
                found.questions,
                found.passages,
                limit,
                out_of_scope=found.out_of_scope,
            )
        similarities = state.semantic.similarities(query)
        return hybrid_hits(state.index.articles, matches, similarities, limit)

    def verdict(self, hits: Sequence[Hit]) -> Verdict:
        """What to do with the hits of `search`.

        Returns:
            "answer" when the first hit is confident; "choices" when it is not but the
            hits are likely enough to offer (titles as buttons); "none" when nothing
            fits (say so and offer a place or a human).
        """
        if not hits:
            return "none"
        top = hits[0]
        if top.confident:
            return "answer"
        if top.likely is not None:
            return "choices" if top.likely else "none"
        if self.semantic_active and self.mode == "hybrid":
            likely = top.score >= CHOICES_MIN_HYBRID_SCORE
        else:
            likely = top.confidence >= CHOICES_MIN_CONFIDENCE
        return "choices" if likely else "none"

    def reload_if_changed(self) -> bool:
        """Re-read the directory if an article file was added, changed or removed.

        Cheap when nothing changed (one directory scan with a stat per file). While
        one thread reloads, others return at once and go on with the current
        articles. If the changed files hold an invalid article, the current articles
        stay in use, the error is logged and kept in `last_error`, and loading is
        retried only after the files change again.

        Returns:
            True if new articles were swapped in.
        """
        if self._directory is None:
            return False
        try:
            snapshot = _scan(self._directory)
        except OSError as exc:  # e.g. the directory is being replaced by a deploy
            logger.warning("knowledge directory not readable: %s", exc)
            return False
        if snapshot in (self._state.snapshot, self._failed_snapshot):
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is reloading right now
        try:
            state = self._state
            if snapshot in (state.snapshot, self._failed_snapshot):
                return False  # another thread reloaded while we scanned
            try:
                articles = load_directory(self._directory)
                self._out_of_scope = load_out_of_scope(self._directory)
            except ArticleError as exc:
                logger.error("knowledge articles not reloaded: %s", exc)
                self.last_error = exc
                self._failed_snapshot = snapshot
                return False
            self.last_error = None
            self._failed_snapshot = None
            self._state = self._build(articles, snapshot, state.generation + 1)
            logger.info("knowledge articles reloaded: %d articles", len(articles))
            return True
        finally:
            self._lock.release()

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        """Wait for embeddings deferred by `from_directory`; True once none are pending."""
        if self._background is not None:
            self._background.join(timeout)
            return not self._background.is_alive()
        return True

    def _add_semantic(self) -> None:
        with self._lock:  # reloads skip while this runs, and pick up changes after
            state = self._state
            semantic = self._build_semantic(state.index.articles)
            self._state = replace(state, semantic=semantic)
            logger.info("knowledge embeddings ready: %s", semantic is not None)

    def _build(
        self,
        articles: Sequence[Article],
        snapshot: _Snapshot,
        generation: int,
        with_semantic: bool = True,
    ) -> _State:
        previous, current = self._terms, dict[str, list[str]]()

        def memo(text: str) -> list[str]:
            terms = current.get(text)
            if terms is None:
                terms = previous.get(text)
                current[text] = terms = self._tokenizer(text) if terms is None else terms
            return terms

        index = Index(articles, self._tokenizer, article_tokenizer=memo)
        self._terms = current
        by_id = {article.id: article for article in articles}
        semantic = self._build_semantic(index.articles) if with_semantic else None
        return _State(index, semantic, by_id, snapshot, generation)

    def _build_semantic(self, articles: Sequence[Article]) -> SemanticIndex | None:
        if self._embedder is None or self.mode == "lexical":
            return None
        try:
            from knowledge.semantic import SemanticIndex

            return SemanticIndex(articles, self._embedder, self._out_of_scope)
        except Exception:  # missing package, broken model: search on, lexically
            logger.exception("embeddings unavailable; knowledge search is lexical only")
            return None


def _scan(directory: Path) -> _Snapshot:
    # Inode catches editors that save by renaming a new file over the old one.
    entries = []
    with os.scandir(directory) as it:
        for entry in it:
            if (is_article_file(entry.name) or entry.name == OUT_OF_SCOPE_FILE) and entry.is_file():
                stat = entry.stat()
                entries.append((entry.name, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(sorted(entries))
