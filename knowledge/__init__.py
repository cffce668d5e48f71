"""Knowledge articles and their search, framework-free (Python 3.10+, PyYAML only).

spaCy lemmas and e5 embeddings are optional extras, loaded lazily; see
docs/knowledge-search.md. Usage::

    kb = KnowledgeBase.from_directory(default_articles_dir())
    # or hybrid: from_directory(dir, embedder=knowledge.semantic.default_embedder(cache))
    kb.reload_if_changed()          # cheap; call it per request
    hits = kb.search("schrift zu klein auf handy")
    if hits and hits[0].confident:
        ...                         # answer with hits[0].article
"""

from __future__ import annotations

from pathlib import Path

from knowledge.articles import Article, ArticleError, load_article, load_directory
from knowledge.ranking import CONFIDENT, Hit
from knowledge.search import KnowledgeBase

__all__ = [
    "CONFIDENT",
    "Article",
    "ArticleError",
    "Hit",
    "KnowledgeBase",
    "default_articles_dir",
    "load_article",
    "load_directory",
]


def default_articles_dir() -> Path:
    """Return the directory of the articles shipped with this package."""
    return Path(__file__).resolve().parent / "articles"
