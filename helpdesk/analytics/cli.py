"""``diodo analytics demo``: fill or purge a generated year of demand events."""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from helpdesk import migrate
from helpdesk.analytics.demo import DemoSpec, insert_demo, purge_demo
from helpdesk.db import Database
from helpdesk.settings import Settings


def register_cli(subparsers: Any) -> None:
    """Add the ``analytics`` command to the ``diodo`` argument parser's subparsers."""
    analytics = subparsers.add_parser("analytics", help="demand events for the dashboard")
    actions = analytics.add_subparsers(dest="analytics_action", required=True)
    demo = actions.add_parser(
        "demo", help="add a generated year of demand events (marked as generated), or --purge"
    )
    demo.add_argument("--events", type=int, default=50_000)
    demo.add_argument("--year", type=int, default=date.today().year - 1)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--purge", action="store_true", help="delete all generated events")
    demo.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    demo.set_defaults(func=_demo)


def _topics() -> tuple[tuple[str, str], ...]:
    from knowledge import default_articles_dir
    from knowledge.articles import load_directory

    seen: dict[str, str] = {}
    for article in load_directory(default_articles_dir()):
        seen.setdefault(article.topic, article.competence_area)
    return tuple(sorted(seen.items()))


def _demo(args: argparse.Namespace) -> int:
    settings = Settings()
    url = args.url or settings.database_url
    if settings.auto_migrate:
        migrate.upgrade(url)
    db = Database(url)
    started = time.monotonic()
    try:
        with db.session() as session:
            if args.purge:
                print(f"Deleted {purge_demo(session)} generated events.")
                return 0
            spec = DemoSpec(events=args.events, year=args.year, seed=args.seed, topics=_topics())
            added = insert_demo(session, spec)
    finally:
        db.dispose()
    print(
        f"Added {added} GENERATED demand events for {args.year} "
        f"({time.monotonic() - started:.0f} s). Remove them with --purge."
    )
    return 0
