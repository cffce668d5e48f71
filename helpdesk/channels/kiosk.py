"""Kiosk mode of the chat page: on a shared PC the page clears itself when left idle.

A library opens the chat as ``/?kiosk=1`` on its kiosk PC (or sets ``DIODO_KIOSK_MODE``
for every visitor). After ``DIODO_KIOSK_IDLE_SECONDS`` without input the page forgets the
conversation on that device, so the next visitor cannot read the last one's chat; the
browser side is in ``static/chat.js``. ``?idle=N`` shortens the time for one kiosk (and
for tests); it can never lengthen it beyond the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from helpdesk.settings import Settings

MIN_IDLE_SECONDS = 2
_YES = frozenset({"1", "true", "ja", "yes", "on"})


@dataclass(frozen=True)
class Kiosk:
    """How the chat page behaves on this request."""

    enabled: bool
    idle_seconds: int


def kiosk_for(settings: Settings, query: Mapping[str, str]) -> Kiosk:
    """Kiosk behaviour from the settings and the page's query (lenient: a citizen page
    never answers 422 for a mistyped parameter, it ignores it)."""
    enabled = settings.kiosk_mode or query.get("kiosk", "").strip().lower() in _YES
    idle = settings.kiosk_idle_seconds
    asked = query.get("idle", "").strip()
    # ASCII digits, and few of them: "²" is a digit to isdigit() but not to int(), and
    # int() refuses more than 4,300 digits.
    if asked.isascii() and asked.isdigit() and len(asked) <= 6:
        idle = max(MIN_IDLE_SECONDS, min(idle, int(asked)))
    return Kiosk(enabled=enabled, idle_seconds=idle)
