"""Accuracy and latency of the knowledge search on a held-out set of German questions.

For each ranking (lexical only, semantic only, the hybrid the app uses; and lexical
without spaCy lemmas, to show what they add) prints top-1 and top-3 accuracy, MRR,
how often a confident answer is wrong, how often an unanswerable question gets a
confident answer, and p50/p95 query latency. Questions whose expected articles do not
exist (yet) are skipped and counted.

    .venv/bin/python bench/knowledge_search.py
    .venv/bin/python bench/knowledge_search.py --dir other/articles --eval other.yml
    .venv/bin/python bench/knowledge_search.py --no-semantic --show-misses

Targets (issue 3): top-1 >= 85 %, top-3 >= 95 %, p95 <= 30 ms per query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import KnowledgeBase, default_articles_dir  # noqa: E402
from knowledge.articles import (  # noqa: E402
    Article,
    ArticleError,
    is_article_file,
    load_article,
    load_out_of_scope,
)
from knowledge.normalize import tokenize, tokenize_without_lemmas  # noqa: E402
from knowledge.search import Mode  # noqa: E402

DEFAULT_EVAL = ROOT / "bench" / "data" / "knowledge_eval_de.yml"
DEFAULT_CACHE = ROOT / "var" / "cache" / "knowledge"


@dataclass
class Question:
    text: str
    expected: frozenset[str]


@dataclass
class Result:
    name: str
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of a right id
    confident_wrong: int = 0
    confident_answerable: int = 0
    confident_unanswerable: int = 0
    unanswerable: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    # What the bot does with the hits (KnowledgeBase.verdict), and whether that is right:
    # ("answerable" | "unanswerable", "answer" | "choices" | "none", right?)
    verdicts: Counter[tuple[str, str, bool]] = field(default_factory=Counter)


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Question(item["q"], frozenset(item["expected"] or ())) for item in data["questions"]]


def load_articles(directory: Path) -> list[Article]:
    """Every valid article; broken ones are reported and left out (work in progress)."""
    articles = []
    for path in sorted(directory.iterdir()):
        if not is_article_file(path.name):
            continue
        try:
            articles.append(load_article(path))
        except ArticleError as exc:
            print(f"  skipped article: {exc}")
    return articles


def evaluate(kb: KnowledgeBase, name: str, questions: list[Question]) -> Result:
    result = Result(name)
    # Warm the lemma table and the model outside the timing, with texts that are not in
    # the set (the embedder keeps recent query vectors; timed queries must not hit them).
    for warm in ("handy foto schicken warm", "wlan passwort warm", "whatsapp gruppe warm"):
        kb.search(warm)
    for question in questions:
        start = time.perf_counter()
        hits = kb.search(question.text, limit=3)
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        confident = bool(hits) and hits[0].confident
        verdict = kb.verdict(hits)
        ids = [hit.article.id for hit in hits]
        if not question.expected:
            result.verdicts["unanswerable", verdict, verdict == "none"] += 1
        elif verdict == "answer":
            result.verdicts["answerable", verdict, ids[0] in question.expected] += 1
        else:
            result.verdicts["answerable", verdict, bool(question.expected & set(ids))] += 1
        if not question.expected:
            result.unanswerable += 1
            result.confident_unanswerable += confident
            if confident:
                result.misses.append(f"UNANSWERABLE {question.text!r} -> {hits[0].article.id}")
            continue
        rank = next((i + 1 for i, aid in enumerate(ids) if aid in question.expected), None)
        result.ranks.append(rank)
        result.confident_answerable += confident
        if confident and rank != 1:
            result.confident_wrong += 1
        if rank != 1:
            got = ", ".join(f"{h.article.id}:{h.confidence:.2f}" for h in hits) or "-"
            result.misses.append(f"{question.text!r} want {sorted(question.expected)} got {got}")
    return result


def report(result: Result) -> str:
    n = len(result.ranks) or 1
    top1 = sum(rank == 1 for rank in result.ranks) / n
    top3 = sum(rank is not None and rank <= 3 for rank in result.ranks) / n
    mrr = sum(1 / rank for rank in result.ranks if rank) / n
    latencies = sorted(result.latencies_ms)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0
    p50 = statistics.median(latencies) if latencies else 0
    confident = result.confident_answerable or 1
    unanswerable = result.unanswerable or 1
    return (
        f"{result.name:<22} {top1:6.1%} {top3:6.1%} {mrr:6.3f} "
        f"{result.confident_answerable / n:6.1%} {result.confident_wrong / confident:7.1%} "
        f"{result.confident_unanswerable / unanswerable:7.1%} {p50:6.1f} {p95:6.1f}"
    )


def verdicts(result: Result) -> str:
    counts = result.verdicts
    answerable = sum(v for (kind, _, _), v in counts.items() if kind == "answerable") or 1
    unanswerable = sum(v for (kind, _, _), v in counts.items() if kind == "unanswerable") or 1

    def share(verdict: str, right: bool | None = None) -> float:
        return (
            sum(
                v
                for (kind, got, ok), v in counts.items()
                if kind == "answerable" and got == verdict and (right is None or ok == right)
            )
            / answerable
        )

    none_unanswerable = counts["unanswerable", "none", True] / unanswerable
    return (
        f"{result.name:<22} answerable: answer {share('answer'):.1%} "
        f"(wrong {share('answer', False):.1%}), choices {share('choices'):.1%} "
        f"(right one among them {share('choices', True):.1%}), none {share('none'):.1%}; "
        f"unanswerable: none {none_unanswerable:.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=default_articles_dir())
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-semantic", action="store_true", help="lexical rankings only")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--no-out-of-scope",
        action="store_true",
        help="leave out the hybrid ranking with the directory's out_of_scope.yml",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="OpenMP threads of the e5 engine (default 1)"
    )
    args = parser.parse_args()

    articles = load_articles(args.dir)
    ids = {article.id for article in articles}
    questions = load_questions(args.eval)
    usable = [q for q in questions if not q.expected or q.expected & ids]
    skipped = [q for q in questions if q.expected and not q.expected & ids]
    missing = sorted({aid for q in skipped for aid in q.expected})
    answerable = sum(bool(q.expected) for q in usable)
    print(f"articles: {len(articles)} in {args.dir}")
    print(
        f"questions: {len(questions)}; used {answerable} answerable + "
        f"{len(usable) - answerable} unanswerable; skipped {len(skipped)} "
        f"(expected article missing: {', '.join(missing) or '-'})"
    )

    rankings: list[tuple[str, KnowledgeBase]] = [
        ("lexical, no lemmas", KnowledgeBase(articles, tokenize_without_lemmas)),
        ("lexical", KnowledgeBase(articles, tokenize)),
    ]
    if not args.no_semantic:
        from knowledge.semantic import CachedEmbedder, E5Embedder

        def fresh() -> CachedEmbedder:
            # One per ranking: article vectors come from the disk cache, but no ranking
            # may reuse another's recent query vectors.
            return CachedEmbedder(E5Embedder(args.threads), args.cache_dir)

        start = time.perf_counter()
        semantic = KnowledgeBase(articles, tokenize, embedder=fresh(), mode="semantic")
        print(
            f"semantic index built in {time.perf_counter() - start:.2f} s (cache {args.cache_dir})"
        )
        start = time.perf_counter()
        modes: tuple[Mode, ...] = ("hybrid",)
        rankings.append(("semantic", semantic))
        for mode in modes:
            rankings.append((mode, KnowledgeBase(articles, tokenize, fresh(), mode)))
        if not args.no_out_of_scope:
            scope = load_out_of_scope(args.dir)
            rankings.append(
                (
                    f"hybrid+scope ({len(scope)})",
                    KnowledgeBase(articles, tokenize, fresh(), "hybrid", out_of_scope=scope),
                )
            )
        print(f"hybrid index rebuilt (vectors cached) in {time.perf_counter() - start:.2f} s")

    print()
    print(
        f"{'ranking':<22} {'top-1':>6} {'top-3':>6} {'MRR':>6} {'conf':>6} "
        f"{'conf-wr':>7} {'unans-c':>7} {'p50ms':>6} {'p95ms':>6}"
    )
    results = [evaluate(kb, name, usable) for name, kb in rankings]
    for result in results:
        print(report(result))
    print(
        "\nconf = share of answerable questions answered confidently; conf-wr = share of "
        "those confident answers that are wrong;\nunans-c = share of unanswerable "
        "questions that got a confident (so wrong) answer."
    )
    print("\nWhat the bot does (answer / offer choices / say it does not know):")
    for result in results:
        print(verdicts(result))
    if args.show_misses:
        for result in results:
            print(f"\n--- misses: {result.name}")
            for line in result.misses:
                print("  " + line)


if __name__ == "__main__":
    main()
