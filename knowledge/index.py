"""An immutable BM25F index over articles, with a confidence score per match.

Scoring is BM25F (Robertson/Zaragoza): term counts from the title, the citizens'
questions and the answer are length-normalised per field, weighted, summed, and then
saturated once. Title and questions weigh more than the answer because they say what
an article is *about*; the answer also mentions things in passing.

BM25 scores have no fixed scale, so the confidence of the best match combines two
measures that do:

* coverage: how much of the query (weighted by idf, so rare words count more) the
  article matches well, i.e. in its title or questions. Off-topic and gibberish
  queries match little or nothing and get a coverage near 0.
* separation: how far the best article scores ahead of the runner-up. A query that
  fits several articles equally ("mein Handy") is ambiguous, and the caller should
  offer choices instead of answering.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.articles import Article
from knowledge.normalize import Tokenizer, tokenize

FIELD_WEIGHTS = {"title": 3.0, "questions": 2.0, "answer": 1.0}
K1 = 1.2
B = 0.75
# A term counts as fully matched when its weighted frequency reaches one mention in
# the title; one mention in a question counts two thirds, in the answer one third.
FULL_MATCH = FIELD_WEIGHTS["title"]
# Query words unknown to the index are read as a compound of two indexed terms
# ("Enkelkinder" → enkel + kind), or as the last part of indexed compounds, or else,
# for typos, as the most similar indexed term with the same first letter; either way
# they count a little less than an exact match.
MIN_PART = 3
MIN_HEAD = 4
COMPOUND_FACTOR = 0.9
FUZZY_MIN_LENGTH = 6
FUZZY_CUTOFF = 0.8
FUZZY_FACTOR = 0.8
# Answer sentences found in at least this share of the articles (and at least this
# many) are left out of the index.
BOILERPLATE_SHARE = 0.5
BOILERPLATE_MIN_ARTICLES = 3
UNKNOWN_WEIGHT = 1.1
# A query must weigh at least this share of one rarest term to be fully covered.
MIN_QUERY_WEIGHT = 0.5
# Separation: a runner-up score at or below (1 - FULL_MARGIN) of the best counts as
# fully separated; a tie still leaves SEPARATION_FLOOR of the coverage.
FULL_MARGIN = 0.4
SEPARATION_FLOOR = 0.4


@dataclass(frozen=True)
class Match:
    """An article that matched a query, before it is turned into a public Hit."""

    article: Article
    score: float
    coverage: float


_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")


def _sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def _boilerplate(articles: Sequence[Article]) -> set[str]:
    # Sentences most answers share ("Fragen Sie mich nach einem Ort in Ihrer Nähe.")
    # say nothing about any one article, but would make their words look common
    # and so worthless ("Bibliothek") for the one article that is about them.
    counts = Counter(s for article in articles for s in set(_sentences(article.answer)))
    limit = max(BOILERPLATE_MIN_ARTICLES, BOILERPLATE_SHARE * len(articles))
    return {sentence for sentence, count in counts.items() if count >= limit}


def _field_terms(
    articles: Sequence[Article], tokenizer: Tokenizer
) -> list[dict[str, Counter[str]]]:
    boilerplate = _boilerplate(articles)
    return [
        {
            "title": Counter(tokenizer(article.title)),
            "questions": Counter(tokenizer("\n".join(article.questions))),
            "answer": Counter(
                term
                for sentence in _sentences(article.answer)
                if sentence not in boilerplate
                for term in tokenizer(sentence)
            ),
        }
        for article in articles
    ]


def _weighted_frequencies(fields: list[dict[str, Counter[str]]]) -> list[dict[str, float]]:
    """BM25F pseudo term frequency per article: field-weighted, length-normalised."""
    average = {
        name: max(1.0, sum(f[name].total() for f in fields) / max(1, len(fields)))
        for name in FIELD_WEIGHTS
    }
    result = []
    for article_fields in fields:
        weighted: dict[str, float] = {}
        for name, terms in article_fields.items():
            norm = 1 - B + B * terms.total() / average[name]
            for term, count in terms.items():
                weighted[term] = weighted.get(term, 0.0) + FIELD_WEIGHTS[name] * count / norm
        result.append(weighted)
    return result


class Index:
    """BM25F index over a fixed set of articles; build a new one to change it.

    Args:
        articles: The articles to index.
        tokenizer: Turns text into terms; the same function handles queries.
        article_tokenizer: Used for the articles' texts instead of ``tokenizer`` if
            given, e.g. a memo of the last build's terms (same results, faster reloads).
    """

    def __init__(
        self,
        articles: Sequence[Article],
        tokenizer: Tokenizer = tokenize,
        article_tokenizer: Tokenizer | None = None,
    ):
        self.articles = tuple(articles)
        self._tokenize = tokenizer
        self._postings: dict[str, list[tuple[int, float]]] = {}
        fields = _field_terms(self.articles, article_tokenizer or tokenizer)
        for doc, frequencies in enumerate(_weighted_frequencies(fields)):
            for term, tf in frequencies.items():
                self._postings.setdefault(term, []).append((doc, tf))
        total = len(self.articles)
        self._idf = {
            term: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5))
            for term, p in self._postings.items()
        }
        # What an unknown query word weighs: a little more than the rarest indexed
        # word, so that a query half made of words no article knows ("rezept für
        # apfelkuchen") is not confidently answered by the article with the other half.
        self._unknown_idf = UNKNOWN_WEIGHT * math.log(1 + (total - 0.5) / 1.5)
        # Coverage is measured against at least this much query weight, so that a
        # query of words found everywhere ("Hilfe", "Handy") is not "fully covered".
        self._min_query_weight = MIN_QUERY_WEIGHT * self._unknown_idf
        self._by_initial: dict[str, list[str]] = {}
        for term in sorted(self._postings):
            self._by_initial.setdefault(term[0], []).append(term)

    def _resolve(self, term: str) -> list[tuple[str, float]]:
        """Map a query term to indexed terms, each with a factor for its weight."""
        if term in self._idf:
            return [(term, 1.0)]
        parts = self._split(term)
        if parts:
            return [(part, COMPOUND_FACTOR) for part in parts]
        if len(term) >= MIN_HEAD:
            # The query names the head of an indexed compound ("leih" for "ausleih",
            # as in "leihe ... aus").
            heads = [known for known in self._idf if known.endswith(term)]
            if heads:
                return [(known, COMPOUND_FACTOR) for known in heads]
        if len(term) >= FUZZY_MIN_LENGTH:
            candidates = self._by_initial.get(term[0], [])
            close = difflib.get_close_matches(term, candidates, 1, FUZZY_CUTOFF)
            if close:
                return [(close[0], FUZZY_FACTOR)]
        return []

    def _split(self, term: str) -> tuple[str, str] | None:
        # An unknown compound ("enkelkind", "bankdat") made of two indexed terms;
        # the longest known head wins, with or without a linking "s".
        for cut in range(len(term) - MIN_PART, MIN_PART - 1, -1):
            head, tail = term[:cut], term[cut:]
            if tail not in self._idf:
                continue
            if head in self._idf:
                return head, tail
            if head.endswith("s") and head[:-1] in self._idf and cut - 1 >= MIN_PART:
                return head[:-1], tail
        return None

    def match(self, query: str) -> list[Match]:
        """Score every article that shares a term with the query.

        Args:
            query: The citizen's text, as typed.

        Returns:
            Matches with score > 0, best first (ties in article order).
        """
        scores: dict[int, float] = {}
        matched: dict[int, float] = {}
        query_weight = 0.0
        for term in dict.fromkeys(self._tokenize(query)):
            resolved = self._resolve(term)
            if not resolved:
                query_weight += self._unknown_idf
            for indexed, factor in resolved:
                idf = self._idf[indexed]
                query_weight += idf
                for doc, tf in self._postings[indexed]:
                    saturated = tf * (K1 + 1) / (K1 + tf)
                    scores[doc] = scores.get(doc, 0.0) + factor * idf * saturated
                    full = min(1.0, tf / FULL_MATCH)
                    matched[doc] = matched.get(doc, 0.0) + factor * idf * full
        ranked = sorted(scores, key=lambda doc: (-scores[doc], doc))
        denominator = max(query_weight, self._min_query_weight)
        return [
            Match(self.articles[doc], scores[doc], matched[doc] / denominator) for doc in ranked
        ]


def confidence(coverage: float, score: float, best_other: float) -> float:
    """Combine coverage and separation into a confidence in 0..1.

    Args:
        coverage: Share of the query the article matches well (0..1).
        score: The article's BM25F score.
        best_other: The highest score among the other articles (0 if none).

    Returns:
        The confidence; only the top match can exceed `SEPARATION_FLOOR`.
    """
    margin = max(0.0, 1.0 - best_other / score) if score > 0 else 0.0
    separation = SEPARATION_FLOOR + (1 - SEPARATION_FLOOR) * min(1.0, margin / FULL_MARGIN)
    return max(0.0, min(1.0, coverage * separation))
