"""Train the Rasa model only when its inputs changed (config, domain, data, Rasa version)."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

from helpdesk.cli.processes import MODEL_PATH, base_env, bot_bin
from helpdesk.settings import REPO_ROOT

INPUTS = ("config.yml", "bot/domain", "bot/data", "requirements/bot.lock")
FINGERPRINT = MODEL_PATH.with_suffix("").with_suffix(".fingerprint")


def fingerprint(root: Path = REPO_ROOT) -> str:
    """SHA-256 over the paths and contents of every training input."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def is_current() -> bool:
    """True when the model exists and was trained from the current inputs."""
    return (
        MODEL_PATH.exists()
        and FINGERPRINT.exists()
        and FINGERPRINT.read_text().strip() == fingerprint()
    )


def train(*, force: bool = False) -> bool:
    """Train if needed. Returns True when a new model was trained."""
    if not force and is_current():
        print(f"Rasa model is up to date ({MODEL_PATH.relative_to(REPO_ROOT)}).")
        return False
    print("Training the Rasa model (config, domain or data changed) ...", flush=True)
    started = time.monotonic()
    wanted = fingerprint()
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(bot_bin("rasa")),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "bot/domain",
            "--data",
            "bot/data",
            "--out",
            str(MODEL_PATH.parent),
            "--fixed-model-name",
            "diodo",
            "--force",
        ],
        cwd=REPO_ROOT,
        env=base_env(),
        check=True,
    )
    FINGERPRINT.write_text(wanted + "\n")
    print(f"Trained in {time.monotonic() - started:.0f} s.")
    return True
