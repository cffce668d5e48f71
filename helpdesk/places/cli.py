"""``diodo places import|export|check``: the registry as a CSV file, from the shell.

The lead wires it in ``helpdesk/cli/main.py`` with ``places_cli.register_cli(sub)``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from helpdesk import migrate
from helpdesk.db import Database
from helpdesk.places.csvio import read_places
from helpdesk.places.geo import get_geography
from helpdesk.places.service import PlaceImportError, export_places, import_places
from helpdesk.settings import Settings


def register_cli(subparsers: Any) -> None:
    """Add the ``places`` command to the ``diodo`` argument parser's subparsers."""
    places = subparsers.add_parser("places", help="import, export or check the place registry")
    actions = places.add_subparsers(dest="places_action", required=True)
    imp = actions.add_parser("import", help="replace the registry with a CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--keep-missing", action="store_true", help="keep places that are not in the file"
    )
    imp.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    imp.set_defaults(func=_import)
    exp = actions.add_parser("export", help="write the registry as CSV (default: stdout)")
    exp.add_argument("file", type=Path, nargs="?")
    exp.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    exp.set_defaults(func=_export)
    check = actions.add_parser("check", help="validate a CSV file without importing it")
    check.add_argument("file", type=Path)
    check.set_defaults(func=_check)


def _database(args: argparse.Namespace) -> Database:
    settings = Settings()
    url = args.url or settings.database_url
    if settings.auto_migrate:
        migrate.upgrade(url)
    return Database(url)


def _import(args: argparse.Namespace) -> int:
    text = args.file.read_text(encoding="utf-8-sig")
    db = _database(args)
    try:
        with db.session() as session:
            report = import_places(session, text, replace=not args.keep_missing)
    except PlaceImportError as error:
        for row_error in error.errors:
            print(row_error, file=sys.stderr)
        print(f"{error} ({args.file})", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(
        f"{report.created} neu, {report.updated} geändert, {report.deleted} gelöscht, "
        f"{report.unchanged} unverändert."
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    db = _database(args)
    try:
        with db.read_session() as session:
            text = export_places(session)
    finally:
        db.dispose()
    if args.file is None:
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
    return 0


def _check(args: argparse.Namespace) -> int:
    places, errors = read_places(args.file.read_text(encoding="utf-8-sig"), get_geography())
    for row_error in errors:
        print(row_error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} Fehler, die Datei würde nicht importiert.", file=sys.stderr)
        return 1
    print(f"{len(places)} Orte, keine Fehler.")
    return 0
