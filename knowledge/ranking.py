"""Turning lexical matches and cosines into ranked hits with a confidence (used by
`knowledge.search`; the constants are calibrated as docs/knowledge-search.md says)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.articles import Article
from knowledge.index import Match, confidence

# At or above this confidence the top hit may be sent as the answer; below it the
# caller should offer the hits as choices or ask again. Tuned on
# tests/unit/knowledge/test_search.py.
CONFIDENT = 0.5

# Cosines of e5 embeddings crowd together: unrelated German texts still reach ~0.75.
# SEMANTIC_LOW maps to 0 and SEMANTIC_HIGH to 1; tuned on bench/data/knowledge_eval_de.yml.
SEMANTIC_LOW = 0.80
SEMANTIC_HIGH = 0.92
# A lead of this much cosine over the runner-up counts as fully separated.
SEMANTIC_FULL_MARGIN = 0.04
SEPARATION_FLOOR = 0.4
# Hybrid: weight of the normalised BM25F score (the rest is the normalised cosine),
# used when the index has no answer passages.
LEXICAL_WEIGHT = 0.4
# Hybrid with passages: reciprocal-rank fusion, sum of 1 / (RRF_K + rank) over the
# lexical, question and passage rankings. Calibrated on the even-numbered questions
# of bench/data/knowledge_heldout_2.yml (k 5..20 within 2 points; 10 best top-3).
RRF_K = 10
# ... and something fits (choices rather than "weiß ich nicht") when the best
# question cosine, the best passage cosine or the best lexical coverage reaches these.
# Same calibration half; see docs/knowledge-search.md for the figures.
LIKELY_QUESTION_COSINE = 0.885
LIKELY_PASSAGE_COSINE = 0.875
LIKELY_COVERAGE = 0.6
# Out of scope: the query is nearer to a question of knowledge/articles/out_of_scope.yml
# than to every article question by more than this. Chosen on
# bench/data/knowledge_heldout_2.yml (0.00-0.01 alike; no answerable question there
# comes within it), reported on knowledge_heldout_3.yml (docs/benchmarks.md).
OUT_OF_SCOPE_MARGIN = 0.0


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
    # Hybrid with passages: whether anything fits well enough to offer choices
    # (None: decide from the score, see `KnowledgeBase.verdict`).
    likely: bool | None = None

    @property
    def confident(self) -> bool:
        """Whether the hit is good enough to answer with directly."""
        return self.confidence >= CONFIDENT


def lexical_hits(matches: Sequence[Match], limit: int) -> list[Hit]:
    hits = []
    for match in matches[: max(0, limit)]:
        # The top hit is measured against the runner-up, the others against the top.
        others = [m.score for m in matches[:2] if m is not match]
        value = confidence(match.coverage, match.score, max(others, default=0.0))
        hits.append(Hit(match.article, match.score, value))
    return hits


def _semantic_level(similarity: float) -> float:
    return max(0.0, min(1.0, (similarity - SEMANTIC_LOW) / (SEMANTIC_HIGH - SEMANTIC_LOW)))


def _semantic_confidence(similarities: Sequence[float], doc: int) -> float:
    others = [value for other, value in enumerate(similarities) if other != doc]
    margin = similarities[doc] - max(others, default=0.0)
    separation = SEPARATION_FLOOR + (1 - SEPARATION_FLOOR) * max(
        0.0, min(1.0, margin / SEMANTIC_FULL_MARGIN)
    )
    return _semantic_level(similarities[doc]) * separation


def _ranked(scores: dict[int, float], limit: int) -> list[int]:
    ranked = sorted((doc for doc, value in scores.items() if value > 0), key=lambda d: -scores[d])
    return ranked[:limit]


def _below_confident(value: float) -> float:
    # Only the first hit may be confident; the others are choices to offer.
    return min(value, CONFIDENT - 0.01)


def semantic_hits(
    articles: Sequence[Article], similarities: Sequence[float], limit: int
) -> list[Hit]:
    scores = {doc: _semantic_level(value) for doc, value in enumerate(similarities)}
    hits = []
    for rank, doc in enumerate(_ranked(scores, limit)):
        value = _semantic_confidence(similarities, doc)
        hits.append(
            Hit(articles[doc], similarities[doc], value if rank == 0 else _below_confident(value))
        )
    return hits


def hybrid_hits(
    articles: Sequence[Article],
    matches: Sequence[Match],
    similarities: Sequence[float],
    limit: int,
) -> list[Hit]:
    position = {match.article.id: rank for rank, match in enumerate(matches)}
    top_score = matches[0].score if matches else 1.0
    scores: dict[int, float] = {}
    for doc, article in enumerate(articles):
        lexical = matches[position[article.id]].score / top_score if article.id in position else 0
        scores[doc] = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * _semantic_level(
            similarities[doc]
        )
    hits = []
    for rank, doc in enumerate(_ranked(scores, limit)):
        value = _semantic_confidence(similarities, doc)
        if articles[doc].id in position:
            match = matches[position[articles[doc].id]]
            best_other = max((m.score for m in matches if m is not match), default=0.0)
            value = max(value, confidence(match.coverage, match.score, best_other))
        hits.append(
            Hit(articles[doc], scores[doc], value if rank == 0 else _below_confident(value))
        )
    return hits


def _rrf_ranks(scores: Sequence[float]) -> list[float]:
    """Each document's reciprocal-rank share; equal scores share the better rank."""
    order = sorted(range(len(scores)), key=lambda doc: -scores[doc])
    contribution = [0.0] * len(scores)
    rank = 0
    for position, doc in enumerate(order, start=1):
        if position == 1 or scores[doc] != scores[order[position - 2]]:
            rank = position
        contribution[doc] = 1.0 / (RRF_K + rank)
    return contribution


def fused_hits(
    articles: Sequence[Article],
    matches: Sequence[Match],
    questions: Sequence[float],
    passages: Sequence[float],
    limit: int,
    out_of_scope: float = -1.0,
) -> list[Hit]:
    """Rank by reciprocal-rank fusion; ``out_of_scope`` is the query's best cosine to
    a question no article answers (see `OUT_OF_SCOPE_MARGIN`)."""
    position = {match.article.id: rank for rank, match in enumerate(matches)}
    fused = [q + p for q, p in zip(_rrf_ranks(questions), _rrf_ranks(passages), strict=True)]
    for doc, article in enumerate(articles):  # no word in common: no lexical share
        if article.id in position:
            fused[doc] += 1.0 / (RRF_K + position[article.id] + 1)
    outside = out_of_scope > max(questions, default=0.0) + OUT_OF_SCOPE_MARGIN
    likely = not outside and (
        max(questions, default=0.0) >= LIKELY_QUESTION_COSINE
        or max(passages, default=0.0) >= LIKELY_PASSAGE_COSINE
        or max((match.coverage for match in matches), default=0.0) >= LIKELY_COVERAGE
    )
    hits = []
    scores = dict(enumerate(fused))
    for rank, doc in enumerate(_ranked(scores, limit)):
        value = _semantic_confidence(questions, doc)
        if articles[doc].id in position:
            match = matches[position[articles[doc].id]]
            best_other = max((m.score for m in matches if m is not match), default=0.0)
            value = max(value, confidence(match.coverage, match.score, best_other))
        hits.append(
            Hit(
                articles[doc],
                scores[doc],
                value if rank == 0 and not outside else _below_confident(value),
                likely=likely,
            )
        )
    return hits
