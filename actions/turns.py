"""The end of a turn: once an action has said everything, the bot waits for the citizen.

Rasa's policies predict the next action after each custom action. After article choices
or an "out of scope" answer they were sometimes unsure, so the core fallback added
"Entschuldigung, das habe ich nicht verstanden" to a turn that had been answered:
two replies, the second one wrong. An action that ends the turn says so explicitly.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction


def end_of_turn(tracker: Tracker, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` and then listen, unless a form goes on (it asks its next question) or
    the action already chose what comes next (a handoff, say)."""
    if (tracker.active_loop or {}).get("name"):
        return events
    if any(event.get("event") == "followup" for event in events):
        return events
    return [*events, FollowupAction("action_listen")]
