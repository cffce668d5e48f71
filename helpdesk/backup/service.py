"""Backing up a whole system into one archive (``helpdesk.backup.archive``) and
restoring it: the app database, Rasa's tracker store, and the keys only when asked.

Restoring refuses a backup of a newer schema, a non-empty target (unless forced) and
keys that cannot open the data; it migrates an older backup up to this version's head
and then checks that every encrypted value opens. docs/operations.md.
"""

from __future__ import annotations

import importlib.metadata
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine

from helpdesk import migrate
from helpdesk.backup import keys as keyuse
from helpdesk.backup import stores
from helpdesk.backup.archive import (
    FORMAT,
    FORMAT_VERSION,
    KEYS_FILE,
    MANIFEST,
    BackupError,
    OpenedBackup,
    describe_part,
    open_backup,
    write_archive,
)
from helpdesk.db import utcnow
from helpdesk.privacy.crypto import Keyring

__all__ = [
    "BackupError",
    "Locations",
    "OpenedBackup",
    "RestoreReport",
    "archive_name",
    "check_restore",
    "create_backup",
    "open_backup",
    "restore_backup",
]


@dataclass(frozen=True)
class Locations:
    """Where a system keeps its state: the app database and Rasa's tracker store."""

    database_url: str
    tracker_url: str | None = None


def archive_name(now: datetime) -> str:
    """The default file name of a backup made at ``now``."""
    return f"diodo-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def _app_version() -> str:
    try:
        return importlib.metadata.version("diodo")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def create_backup(
    locations: Locations,
    archive: Path,
    *,
    keys: Keyring | None,
    include_keys: bool = False,
    key_sources: Sequence[str] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write a backup of the running system to ``archive`` (mode 0600); return its manifest.

    ``keys`` (the configured keyring) finds which key ids the data needs; with
    ``include_keys`` their values go into the archive too. ``key_sources`` names where
    the keys live (the keys file reference the manifest records).
    """
    if include_keys and keys is None:
        raise BackupError("--include-keys: no keys are configured")
    archive = archive.resolve()
    archive.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".diodo-backup-", dir=archive.parent) as tmp:
            work = Path(tmp)
            parts: dict[str, dict[str, Any]] = {}
            kind = stores.backend(locations.database_url)
            app_file = work / f"app{stores.SUFFIX[kind]}"
            with stores.dumped(locations.database_url, app_file) as conn:
                revision = stores.revision(conn)
                tables = stores.row_counts(conn)
                use = keyuse.scan(conn, keys) if keys is not None else None
            parts["app"] = describe_part(app_file, kind, tables)
            tracker = _backup_tracker(locations, work, parts)
            if include_keys and keys is not None:
                (work / KEYS_FILE).write_text(keyuse.keys_env_text(keys))
                parts["keys"] = describe_part(work / KEYS_FILE, None, None)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": (now or utcnow()).isoformat(),
                "app_version": _app_version(),
                "alembic_revision": revision,
                "tracker": tracker,
                "parts": parts,
                "keys": {
                    "included": include_keys,
                    "reference": list(key_sources),
                    **(use.to_json() if use is not None else {"contact_key_ids": None}),
                    "undecryptable": use.undecryptable if use is not None else None,
                },
            }
            (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            write_archive(work, archive, [MANIFEST, *(p["file"] for p in parts.values())])
    except stores.StoreError as exc:
        raise BackupError(str(exc)) from exc
    return manifest


def _backup_tracker(locations: Locations, work: Path, parts: dict[str, dict[str, Any]]) -> str:
    url = locations.tracker_url
    if not url:
        return "not-configured"
    if stores.same_database(url, locations.database_url):
        return "same-database"  # its ``events`` table is in the app's copy
    if not stores.exists(url):
        return "missing"  # Rasa never ran here
    kind = stores.backend(url)
    path = work / f"tracker{stores.SUFFIX[kind]}"
    with stores.dumped(url, path) as conn:
        parts["tracker"] = describe_part(path, kind, stores.row_counts(conn))
    return "included"


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    revision: str | None  # of the backup
    migrated_to: str | None  # the schema afterwards
    tables: dict[str, int]
    tracker_tables: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _script(url: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.alembic_config(url))


def check_restore(
    opened: OpenedBackup, target: Locations, *, keys: Keyring | None, force: bool = False
) -> list[str]:
    """Raise ``BackupError`` when ``opened`` must not be restored into ``target``; return
    notes for the operator otherwise. Changes nothing."""
    notes: list[str] = []
    if opened.revision is not None:
        try:
            _script(target.database_url).get_revision(opened.revision)
        except CommandError as exc:
            raise BackupError(
                f"the backup's schema {opened.revision} is newer than this DiODo knows "
                f"(made by version {opened.manifest.get('app_version')}): install that "
                "version or a newer one, then restore"
            ) from exc
    if opened.parts["app"]["backend"] != stores.backend(target.database_url):
        raise BackupError(
            f"the backup holds a {opened.parts['app']['backend']} database, the target is "
            f"{stores.backend(target.database_url)}; restore onto the same kind of database"
        )
    notes += _check_tracker(opened, target)
    problems = keyuse.problems(opened.manifest.get("keys") or {}, keys)
    if problems:
        where = ", ".join(opened.manifest["keys"].get("reference") or ["not recorded"])
        hint = (
            "The backup holds its keys: restore them with --restore-keys."
            if opened.keys_env is not None
            else f"Configure the keys from the keys file the backup was made with ({where})."
        )
        raise BackupError(
            "the configured keys cannot open this backup: " + "; ".join(problems) + f". {hint}"
        )
    if opened.manifest.get("keys", {}).get("contact_key_ids") is None:
        notes.append("the backup did not record its keys; checked after the restore instead")
    urls = [target.database_url]
    if "tracker" in opened.parts and target.tracker_url:
        urls.append(target.tracker_url)
    full = [stores.safe_url(u) for u in urls if not stores.is_empty(u)]
    if full and not force:
        raise BackupError(f"not empty: {', '.join(full)}; use --force to replace its contents")
    notes += [f"replacing the contents of {u}" for u in full]
    return notes


def _check_tracker(opened: OpenedBackup, target: Locations) -> list[str]:
    layout = opened.manifest.get("tracker")
    tracker = target.tracker_url
    shared = bool(tracker) and stores.same_database(tracker or "", target.database_url)
    if layout == "same-database" and tracker and not shared:
        raise BackupError(
            "the backup keeps Rasa's tracker store in the app database, the target does not"
        )
    if "tracker" not in opened.parts:
        return (
            [] if layout == "same-database" else [f"the backup holds no tracker store ({layout})"]
        )
    if not tracker:
        raise BackupError("the backup holds Rasa's tracker store; set DIODO_RASA_TRACKER_URL")
    if shared:
        raise BackupError("the target keeps the tracker store in the app database, the backup not")
    if opened.parts["tracker"]["backend"] != stores.backend(tracker):
        raise BackupError("the backup's tracker store and the target's are different databases")
    return []


def restore_backup(
    opened: OpenedBackup, target: Locations, *, keys: Keyring | None, force: bool = False
) -> RestoreReport:
    """Restore ``opened`` into ``target``, migrate it to this version's schema and check
    every encrypted value opens with ``keys``. Stop the app and Rasa first.

    Migrations read the keys from the settings (as ``diodo db upgrade`` does), so the
    environment must hold the same keys as ``keys``.
    """
    notes = check_restore(opened, target, keys=keys, force=force)
    try:
        stores.load(target.database_url, opened.path("app"))
        if "tracker" in opened.parts and target.tracker_url:
            stores.load(target.tracker_url, opened.path("tracker"))
    except stores.StoreError as exc:
        raise BackupError(str(exc)) from exc
    _compare("app", opened.parts["app"]["tables"], stores.counts_of(target.database_url))
    tracker_tables: dict[str, int] = {}
    if "tracker" in opened.parts and target.tracker_url:
        tracker_tables = stores.counts_of(target.tracker_url)
        _compare("tracker", opened.parts["tracker"]["tables"], tracker_tables)
    try:
        migrate.upgrade(target.database_url)
    except Exception as exc:  # the data is in; say what is left to do
        raise BackupError(
            f"restored at schema {opened.revision}, but migrating it failed "
            f"({type(exc).__name__}; no details here, they may hold personal data): run "
            "`diodo db upgrade` to see the error (are the keys in the environment?)"
        ) from exc
    if keys is not None:
        use = _scan(target.database_url, keys)
        if use.undecryptable or use.index_mismatches:
            raise BackupError(
                f"restored, but {use.undecryptable} encrypted values do not open and "
                f"{use.index_mismatches} contacts are not found with the configured keys"
            )
    elif opened.manifest.get("keys", {}).get("encrypted_values"):
        notes.append("no keys configured: encrypted values were not checked")
    return RestoreReport(
        opened.revision,
        stores.revision_of(target.database_url),
        stores.counts_of(target.database_url),
        tracker_tables,
        notes,
    )


def _scan(url: str, keys: Keyring) -> keyuse.KeyUse:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return keyuse.scan(conn, keys)
    finally:
        engine.dispose()


def _compare(name: str, backed_up: dict[str, int], restored: dict[str, int]) -> None:
    """Every table holds as many rows as when it was backed up (before any migration)."""
    wrong = {t: (n, restored.get(t)) for t, n in backed_up.items() if restored.get(t) != n}
    if wrong:
        raise BackupError(f"{name}: rows differ after the restore (backup, now): {wrong}")
