"""Local secrets for the embedded set-up, generated once into ``var/local.env``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from helpdesk.privacy.crypto import new_contact_key
from helpdesk.settings import REPO_ROOT

LOCAL_ENV = REPO_ROOT / "var" / "local.env"


def _token() -> str:
    return secrets.token_urlsafe(32)


GENERATORS: dict[str, Callable[[], str]] = {
    "DIODO_INTERNAL_API_TOKEN": _token,
    "DIODO_RASA_TOKEN": _token,
    "DIODO_ACTIONS_TOKEN": _token,
    "DIODO_PSEUDONYM_KEY": _token,
    "DIODO_CONTACT_KEYS": new_contact_key,
    "DIODO_CONTACT_INDEX_KEY": _token,
}
GENERATED = tuple(GENERATORS)


def ensure_local_secrets(path: Path = LOCAL_ENV) -> list[str]:
    """Add a random value for each generated secret not yet in ``path``; return the new names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text().splitlines() if path.exists() else []
    present = {line.split("=", 1)[0] for line in existing if "=" in line}
    added = [name for name in GENERATED if name not in present]
    if added:
        lines = existing + [f"{name}={GENERATORS[name]()}" for name in added]
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
    return added
