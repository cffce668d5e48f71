"""`.env.example` lists every setting, so an operator sees all of them in one place."""

from __future__ import annotations

from helpdesk.settings import REPO_ROOT, Settings


def test_every_setting_is_in_env_example() -> None:
    text = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"DIODO_{name.upper()}=" not in text]
    assert missing == [], f"add these to .env.example: {missing}"
