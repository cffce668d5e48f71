"""Which keys a backup's data needs, and whether the configured keys open it.

A backup never names a key by its value: a key id is a short SHA-256 fingerprint, so the
manifest can say "these keys are needed" without holding anything secret. The keys
themselves go into a backup only when the operator asks (``--include-keys``).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, inspect, text

from helpdesk.privacy.crypto import Keyring

# Every column encrypted with the contact keys (helpdesk.privacy.crypto). Values that are
# not Fernet tokens (a call-back window written before migration 0009) are skipped.
ENCRYPTED_COLUMNS = (
    ("contact", "address_enc"),
    ("inbound_message", "numbers_enc"),
    ("ticket", "phone"),
    ("ticket", "callback_window"),
    ("staff_user", "totp_secret_enc"),
)
FERNET_PREFIX = "gAAAAA"  # version byte 0x80 and the timestamp's leading zero bytes
KEY_VARIABLES = (
    "DIODO_CONTACT_KEYS",
    "DIODO_CONTACT_INDEX_KEY",
    "DIODO_PSEUDONYM_KEY",
    "DIODO_PSEUDONYM_KEY_ID",
)


def key_id(secret: str) -> str:
    """A fingerprint that names a key without revealing it."""
    return hashlib.sha256(b"diodo-key-id\0" + secret.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class KeyUse:
    """What the stored data needs, seen with one keyring."""

    contact_key_ids: tuple[str, ...]  # the keys that open at least one stored value
    index_key_id: str
    pseudonym_key_id: str
    pseudonym_key_fingerprint: str
    encrypted_values: int
    undecryptable: int  # values none of the keyring's contact keys opens
    index_mismatches: int  # contacts whose blind index this index key does not give

    def to_json(self) -> dict[str, Any]:
        """The manifest's ``keys`` fields."""
        return {
            "contact_key_ids": list(self.contact_key_ids),
            "index_key_id": self.index_key_id,
            "pseudonym_key_id": self.pseudonym_key_id,
            "pseudonym_key_fingerprint": self.pseudonym_key_fingerprint,
            "encrypted_values": self.encrypted_values,
        }


def _values(conn: Connection, table: str, column: str) -> Iterable[str]:
    tables = set(inspect(conn).get_table_names())
    if table not in tables or column not in {c["name"] for c in inspect(conn).get_columns(table)}:
        return []
    rows = conn.execute(text(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'))
    return (value for (value,) in rows if str(value).startswith(FERNET_PREFIX))


def scan(conn: Connection, keys: Keyring) -> KeyUse:
    """Try every encrypted value of the database behind ``conn`` with ``keys``."""
    fernets = [Fernet(key.encode()) for key in keys.contact_keys]
    used: set[int] = set()
    total = undecryptable = 0
    for table, column in ENCRYPTED_COLUMNS:
        for token in _values(conn, table, column):
            total += 1
            for number, fernet in enumerate(fernets):
                try:
                    fernet.decrypt(token.encode())
                except InvalidToken:
                    continue
                used.add(number)
                break
            else:
                undecryptable += 1
    return KeyUse(
        contact_key_ids=tuple(key_id(keys.contact_keys[n]) for n in sorted(used)),
        index_key_id=key_id(keys.index_key),
        pseudonym_key_id=keys.pseudonym_key_id,
        pseudonym_key_fingerprint=key_id(keys.pseudonym_key),
        encrypted_values=total,
        undecryptable=undecryptable,
        index_mismatches=_index_mismatches(conn, keys),
    )


def _index_mismatches(conn: Connection, keys: Keyring) -> int:
    if "contact" not in inspect(conn).get_table_names():
        return 0
    mismatches = 0
    rows = conn.execute(text("SELECT channel, address_enc, address_index FROM contact"))
    for channel, address_enc, address_index in rows:
        try:
            address = keys.decrypt(address_enc)
        except InvalidToken:
            continue  # counted as undecryptable already
        if keys.index(channel, address) != address_index:
            mismatches += 1
    return mismatches


def problems(needed: dict[str, Any], keys: Keyring | None) -> list[str]:
    """Why ``keys`` cannot open data that needs ``needed`` (a manifest's ``keys``); empty
    when they can. Compares key ids only, before anything is restored."""
    wanted = list(needed.get("contact_key_ids") or [])
    if keys is None:
        return ["no keys are configured"] if wanted else []
    have = {key_id(key) for key in keys.contact_keys}
    found = []
    missing = [k for k in wanted if k not in have]
    if missing:
        found.append(f"contact key(s) {', '.join(missing)} missing (configured: {sorted(have)})")
    index = needed.get("index_key_id")
    if wanted and index and index != key_id(keys.index_key):
        found.append(
            f"contact index key {index} needed, {key_id(keys.index_key)} configured "
            "(citizens would not be found again)"
        )
    return found


def key_sources(env_files: Iterable[Path]) -> list[str]:
    """Where DIODO_CONTACT_KEYS is set: "environment" and/or the env files holding it."""
    sources = ["environment"] if os.environ.get("DIODO_CONTACT_KEYS") else []
    pattern = re.compile(r"^\s*(export\s+)?DIODO_CONTACT_KEYS\s*=")
    for path in env_files:
        if path.is_file() and any(pattern.match(line) for line in path.read_text().splitlines()):
            sources.append(str(path.resolve()))
    return sources


def keys_env_text(keys: Keyring) -> str:
    """The key variables of ``keys`` as env-file lines."""
    values = (
        ",".join(keys.contact_keys),
        keys.index_key,
        keys.pseudonym_key,
        keys.pseudonym_key_id,
    )
    return "".join(f"{name}={value}\n" for name, value in zip(KEY_VARIABLES, values, strict=True))


def parse_env(body: str) -> dict[str, str]:
    """``NAME=value`` lines (no quoting: keys and ids never need it)."""
    pairs = (line.split("=", 1) for line in body.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def keyring_from_env(body: str) -> Keyring:
    """The keyring written by ``keys_env_text``."""
    values = parse_env(body)
    return Keyring(
        contact_keys=tuple(k for k in values.get("DIODO_CONTACT_KEYS", "").split(",") if k),
        index_key=values.get("DIODO_CONTACT_INDEX_KEY", ""),
        pseudonym_key=values.get("DIODO_PSEUDONYM_KEY", ""),
        pseudonym_key_id=values.get("DIODO_PSEUDONYM_KEY_ID", "1"),
    )


def write_keys(path: Path, body: str) -> None:
    """Put the key variables of ``body`` into the env file ``path`` (mode 0600), replacing
    earlier values of the same variables and keeping every other line."""
    new = parse_env(body)
    old = path.read_text().splitlines() if path.exists() else []
    kept = [line for line in old if line.split("=", 1)[0].strip() not in new]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("\n".join([*kept, *(f"{k}={v}" for k, v in new.items())]) + "\n")
