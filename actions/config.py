"""Settings of the action server, read from the environment when first needed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ActionSettings:
    """Where the app's internal API is and how to authenticate."""

    app_url: str
    internal_api_token: str
    timeout_seconds: float


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """The action server's settings (``DIODO_APP_URL``, ``DIODO_INTERNAL_API_TOKEN``)."""
    return ActionSettings(
        app_url=os.environ.get("DIODO_APP_URL", "http://127.0.0.1:8000").rstrip("/"),
        internal_api_token=os.environ.get("DIODO_INTERNAL_API_TOKEN", ""),
        timeout_seconds=float(os.environ.get("DIODO_ACTIONS_APP_TIMEOUT", "10")),
    )
