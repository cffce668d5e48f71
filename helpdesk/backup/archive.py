"""The backup archive: a ``.tar.gz`` of ``manifest.json`` and one file per part.

Parts: ``app.sqlite`` or ``app.pgdump`` (the app database), ``tracker.sqlite`` or
``tracker.pgdump`` (Rasa's tracker store, when it has its own database) and, only with
``--include-keys``, ``keys.env``. The manifest records when and by which version the
backup was made, the Alembic revision, rows per table and the SHA-256 of every part, and
which keys the data needs (by id) and where the keys file was.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk.backup import stores

FORMAT = "diodo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEYS_FILE = "keys.env"
PART_NAMES = ("app", "tracker")


class BackupError(Exception):
    """A backup cannot be made, or a restore is refused; the message says why."""


def checksum(path: Path) -> str:
    """SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_part(path: Path, kind: str | None, tables: dict[str, int] | None) -> dict[str, Any]:
    """A manifest entry for the file ``path``: name, SHA-256, size, backend, rows."""
    part: dict[str, Any] = {"file": path.name, "sha256": checksum(path)}
    part["bytes"] = path.stat().st_size
    if kind is not None:
        part["backend"] = kind
    if tables is not None:
        part["tables"] = tables
    return part


def write_archive(work: Path, archive: Path, names: Sequence[str]) -> None:
    """Pack the files ``names`` of ``work`` into ``archive`` (mode 0600, atomically)."""
    partial = archive.with_name(archive.name + ".partial")
    partial.touch(mode=0o600)
    partial.chmod(0o600)  # it holds personal data
    with tarfile.open(partial, "w:gz") as tar:
        for name in names:
            tar.add(work / name, arcname=name)
    os.replace(partial, archive)


@dataclass
class OpenedBackup:
    """An unpacked, checksum-verified archive."""

    directory: Path
    manifest: dict[str, Any]

    @property
    def revision(self) -> str | None:
        """The Alembic revision of the backed-up app database."""
        value = self.manifest.get("alembic_revision")
        return str(value) if value else None

    @property
    def keys_env(self) -> str | None:
        """The keys in the archive (``--include-keys``), else None."""
        return (self.directory / KEYS_FILE).read_text() if "keys" in self.parts else None

    @property
    def parts(self) -> dict[str, dict[str, Any]]:
        """The manifest's parts by name (app, tracker, keys)."""
        return dict(self.manifest.get("parts") or {})

    def path(self, part: str) -> Path:
        """The unpacked file of ``part``."""
        return self.directory / str(self.parts[part]["file"])


@contextmanager
def open_backup(archive: Path, work_dir: Path | None = None) -> Iterator[OpenedBackup]:
    """Unpack ``archive`` into a temporary directory and verify every part's checksum."""
    allowed = {MANIFEST, KEYS_FILE} | {
        f"{part}{suffix}" for part in PART_NAMES for suffix in stores.SUFFIX.values()
    }
    with tempfile.TemporaryDirectory(prefix="diodo-restore-", dir=work_dir) as tmp:
        directory = Path(tmp)
        try:
            with tarfile.open(archive, "r:*") as tar:
                unexpected = sorted(set(tar.getnames()) - allowed)
                if unexpected:
                    raise BackupError(f"{archive}: not a DiODo backup (holds {unexpected})")
                tar.extractall(directory, filter="data")
            manifest = json.loads((directory / MANIFEST).read_text())
        except (OSError, tarfile.TarError, ValueError) as exc:
            raise BackupError(f"{archive}: cannot be read as a DiODo backup ({exc})") from exc
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"{archive}: unknown backup format {manifest.get('format_version')}")
        opened = OpenedBackup(directory, manifest)
        for name, part in opened.parts.items():
            path = opened.path(name)
            if not path.is_file() or checksum(path) != part.get("sha256"):
                raise BackupError(f"{archive}: part {name} is damaged (checksum mismatch)")
        yield opened
