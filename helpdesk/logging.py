"""Logging set-up. Message texts, phone numbers and chat ids are never logged at INFO."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    """Plain one-line logs to stderr."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO; keep that at WARNING.
    logging.getLogger("httpx").setLevel(logging.WARNING)
