"""The app's own citizen-facing texts, kept out of Python code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_DIR = Path(__file__).resolve().parent


@lru_cache
def _catalogue(language: str) -> dict[str, str]:
    data: Any = yaml.safe_load((_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in data.items()}


def text(key: str, language: str = "de", **values: object) -> str:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled from ``values``."""
    template = _catalogue(language)[key]
    return template.format(**values) if values else template


def or_placeholder(value: str, language: str = "de") -> str:
    """``value``, or the text asking the city to fill it in when the setting is empty."""
    return value if value.strip() else text("city_to_fill_in", language)
