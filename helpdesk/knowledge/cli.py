"""``diodo knowledge unanswered|feedback``: what editors should write or fix next."""

from __future__ import annotations

import argparse
import json

from helpdesk import migrate
from helpdesk.db import Database
from helpdesk.knowledge import service
from helpdesk.settings import Settings


def _database(url: str | None) -> Database:
    settings = Settings()
    url = url or settings.database_url
    if settings.auto_migrate:
        migrate.upgrade(url)
    return Database(url)


def unanswered(args: argparse.Namespace) -> int:
    """Print the questions no article fitted (redacted), most frequent first."""
    db = _database(args.url)
    try:
        with db.read_session() as session:
            rows = service.list_unanswered(session, limit=args.limit)
    finally:
        db.dispose()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "question": row.question,
                        "count": row.count,
                        "first_seen": row.first_seen.isoformat(),
                        "last_seen": row.last_seen.isoformat(),
                    }
                    for row in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("No unanswered questions recorded.")
        return 0
    print(f"{'count':>5}  {'first seen':10}  {'last seen':10}  question")
    for row in rows:
        seen = f"{row.first_seen:%Y-%m-%d}  {row.last_seen:%Y-%m-%d}"
        print(f"{row.count:>5}  {seen}  {row.question}")
    return 0


def feedback(args: argparse.Namespace) -> int:
    """Print "Hat geholfen" / "Hat nicht geholfen" counts per article, worst first."""
    db = _database(args.url)
    try:
        with db.read_session() as session:
            counts = service.feedback_counts(session)
    finally:
        db.dispose()
    rows = sorted(counts.items(), key=lambda kv: (kv[1][0] - kv[1][1], kv[0]))
    if args.json:
        print(json.dumps({k: {"helpful": v[0], "not_helpful": v[1]} for k, v in rows}, indent=2))
        return 0
    if not rows:
        print("No feedback recorded.")
        return 0
    print(f"{'helped':>6}  {'not':>5}  article")
    for article_id, (helpful, not_helpful) in rows:
        print(f"{helpful:>6}  {not_helpful:>5}  {article_id}")
    return 0
