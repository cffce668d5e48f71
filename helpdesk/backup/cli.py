"""``diodo backup`` and ``diodo restore``: the whole system in one archive and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from helpdesk.backup import keys as keyuse
from helpdesk.backup import stores
from helpdesk.backup.service import (
    BackupError,
    Locations,
    archive_name,
    check_restore,
    create_backup,
    open_backup,
    restore_backup,
)
from helpdesk.db import utcnow
from helpdesk.privacy.crypto import Keyring, KeyringError
from helpdesk.settings import REPO_ROOT, Settings

LOCAL_ENV = REPO_ROOT / "var" / "local.env"
KEYS_WARNING = """\
WARNING: this backup CONTAINS THE KEYS that decrypt the citizens' phone numbers, Telegram
chat ids and web session ids. Anyone who has the file can read them together with the
data. Keep it encrypted and apart from ordinary backups, and delete it when it is no
longer needed. Without --include-keys a backup holds only the key ids."""


def register_cli(subparsers: Any) -> None:
    """Add ``backup`` and ``restore`` to the ``diodo`` argument parser's subparsers."""
    backup = subparsers.add_parser(
        "backup", help="back up the app database and Rasa's tracker store into one archive"
    )
    backup.add_argument(
        "--output", help="archive to write (default: var/backups/diodo-backup-<time>.tar.gz)"
    )
    backup.add_argument(
        "--include-keys",
        action="store_true",
        help="put the contact and pseudonym keys into the archive (read the warning)",
    )
    backup.set_defaults(func=_backup)
    restore = subparsers.add_parser(
        "restore", help="restore a backup into the configured databases (app and Rasa stopped)"
    )
    restore.add_argument("archive", help="a file written by `diodo backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace databases that are not empty"
    )
    restore.add_argument(
        "--restore-keys",
        action="store_true",
        help="write the keys the backup holds into var/local.env",
    )
    restore.add_argument(
        "--check", action="store_true", help="only verify the archive, keys and target"
    )
    restore.set_defaults(func=_restore)


def _locations(settings: Settings) -> Locations:
    return Locations(settings.database_url, settings.rasa_tracker_url or None)


def _keyring(settings: Settings) -> Keyring | None:
    try:
        return Keyring.from_settings(settings)
    except KeyringError:
        return None


def _env_files() -> list[Path]:
    files = Settings.model_config.get("env_file") or ()
    return [Path(f) for f in (files if isinstance(files, tuple | list) else (files,))]


def _backup(args: argparse.Namespace) -> int:
    settings = Settings()
    now = utcnow()
    archive = (
        Path(args.output) if args.output else REPO_ROOT / "var" / "backups" / archive_name(now)
    )
    keys = _keyring(settings)
    if args.include_keys:
        print(KEYS_WARNING, file=sys.stderr)
    try:
        manifest = create_backup(
            _locations(settings),
            archive,
            keys=keys,
            include_keys=args.include_keys,
            key_sources=keyuse.key_sources(_env_files()),
            now=now,
        )
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    tables = manifest["parts"]["app"]["tables"]
    tracker = manifest["parts"].get("tracker", {}).get("tables", {})
    print(f"Backup written: {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    print(
        f"  schema {manifest['alembic_revision']}; {tables.get('conversation', 0)} "
        f"conversations, {tables.get('inbound_message', 0)} messages in and "
        f"{tables.get('outbound_message', 0)} out, {tables.get('ticket', 0)} tickets, "
        f"{tables.get('place', 0)} places; Rasa tracker store: {manifest['tracker']}"
        + (f" ({tracker.get('events', 0)} events)" if tracker else "")
    )
    _print_keys(manifest["keys"])
    return 0


def _print_keys(keys: dict[str, Any]) -> None:
    ids = keys.get("contact_key_ids")
    if ids is None:
        print("  keys: none configured, so the backup does not say which keys it needs")
        return
    where = ", ".join(keys.get("reference") or []) or "not found in an env file"
    needed = ", ".join(ids) or "none (nothing encrypted yet)"
    print(f"  keys needed to restore: contact keys {needed}; index key {keys['index_key_id']}")
    if keys.get("included"):
        print("  keys: INCLUDED in the archive (see the warning above)")
    else:
        print(f"  keys: not included; they are in {where}: keep a copy of it apart, safely")
    if keys.get("undecryptable"):
        print(
            f"  WARNING: {keys['undecryptable']} encrypted values open with none of the "
            "configured keys",
            file=sys.stderr,
        )


def _restore(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        with open_backup(Path(args.archive)) as opened:
            made = opened.manifest
            print(
                f"Backup of {made['created_at']} (DiODo {made['app_version']}, schema "
                f"{made['alembic_revision']}, tracker store: {made['tracker']})"
            )
            if args.restore_keys:
                settings = _install_keys(opened.keys_env)
            keys = _keyring(settings)
            target = _locations(settings)
            if args.check:
                notes = check_restore(opened, target, keys=keys, force=args.force)
                _print_notes(notes)
                print("Check passed: the backup can be restored here.")
                return 0
            report = restore_backup(opened, target, keys=keys, force=args.force)
    except BackupError as exc:
        print(f"Restore refused: {exc}", file=sys.stderr)
        return 1
    _print_notes(report.notes)
    print(f"Restored into {stores.safe_url(target.database_url)}")
    if report.tracker_tables:
        print(f"  and Rasa's tracker store {stores.safe_url(target.tracker_url or '')}")
    print(
        f"  schema {report.revision} → {report.migrated_to}; "
        f"{report.tables.get('conversation', 0)} conversations, "
        f"{report.tracker_tables.get('events', 0)} tracker events; every encrypted value opens."
    )
    return 0


def _install_keys(body: str | None) -> Settings:
    if body is None:
        raise BackupError("--restore-keys: this backup holds no keys")
    keyuse.write_keys(LOCAL_ENV, body)
    print(f"Keys written to {LOCAL_ENV} (mode 0600).", file=sys.stderr)
    settings = Settings(_env_file=(*_env_files(), LOCAL_ENV))  # type: ignore[call-arg]
    wanted, effective = keyuse.keyring_from_env(body), _keyring(settings)
    if effective is None or effective.contact_keys != wanted.contact_keys:
        raise BackupError(
            "keys set in the environment override var/local.env; unset "
            "DIODO_CONTACT_KEYS, DIODO_CONTACT_INDEX_KEY and DIODO_PSEUDONYM_KEY there"
        )
    return settings


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"  note: {note}")
