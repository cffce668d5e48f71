"""The knowledge base the app asks at request time, reloaded when files change."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.articles import Article, ArticleError, is_article_file, load_directory
from knowledge.index import Index, confidence
from knowledge.normalize import Tokenizer, tokenize

logger = logging.getLogger(__name__)

# At or above this confidence the top hit may be sent as the answer; below it the
# caller should offer the hits as choices or ask again. Tuned on
# tests/unit/knowledge/test_search.py.
CONFIDENT = 0.5

_Snapshot = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class Hit:
    """An article found for a query.

    Attributes:
        article: The article.
        score: Its BM25F score (only comparable within one search).
        confidence: 0..1; see `knowledge.index` for what goes into it.
    """

    article: Article
    score: float
    confidence: float

    @property
    def confident(self) -> bool:
        """Whether the hit is good enough to answer with directly."""
        return self.confidence >= CONFIDENT


@dataclass(frozen=True)
class _State:
    index: Index
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
    """

    def __init__(self, articles: Sequence[Article] = (), tokenizer: Tokenizer = tokenize) -> None:
        self._directory: Path | None = None
        self._tokenizer = tokenizer
        self._lock = threading.Lock()
        self._failed_snapshot: _Snapshot | None = None
        self.last_error: ArticleError | None = None
        self._state = self._build(articles, snapshot=(), generation=0)

    @classmethod
    def from_directory(cls, path: Path | str, tokenizer: Tokenizer = tokenize) -> KnowledgeBase:
        """Load all articles of a directory and watch it for `reload_if_changed`.

        Args:
            path: Directory holding ``<id>.md`` files.
            tokenizer: Text-to-terms function for articles and queries.

        Returns:
            The knowledge base.

        Raises:
            ArticleError: If an article is invalid.
        """
        kb = cls(tokenizer=tokenizer)
        kb._directory = Path(path)
        snapshot = _scan(kb._directory)  # before reading, so a change while reading shows
        kb._state = kb._build(load_directory(kb._directory), snapshot, generation=0)
        return kb

    @property
    def articles(self) -> tuple[Article, ...]:
        """All articles, sorted by id."""
        return self._state.index.articles

    @property
    def generation(self) -> int:
        """How many times the articles were reloaded since start."""
        return self._state.generation

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
        matches = self._state.index.match(query)
        hits = []
        for rank, match in enumerate(matches[: max(0, limit)]):
            if rank > 0:
                best_other = matches[0].score
            else:
                best_other = matches[1].score if len(matches) > 1 else 0.0
            value = confidence(match.coverage, match.score, best_other)
            hits.append(Hit(match.article, match.score, value))
        return hits

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

    def _build(self, articles: Sequence[Article], snapshot: _Snapshot, generation: int) -> _State:
        index = Index(articles, self._tokenizer)
        by_id = {article.id: article for article in articles}
        return _State(index, by_id, snapshot, generation)


def _scan(directory: Path) -> _Snapshot:
    # Inode catches editors that save by renaming a new file over the old one.
    entries = []
    with os.scandir(directory) as it:
        for entry in it:
            if is_article_file(entry.name) and entry.is_file():
                stat = entry.stat()
                entries.append((entry.name, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(sorted(entries))
