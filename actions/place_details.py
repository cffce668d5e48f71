"""Answers about the places the bot showed last ("Und wann haben die offen?")."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppClient, AppUnavailable

log = logging.getLogger(__name__)

# The keys of the places the bot named last, for follow-ups ("Wann haben die offen?").
SHOWN_PLACES = "shown_places"


async def answer_place_details(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: AppClient
) -> None:
    """One line per shown place and aspect asked, from the app's place registry."""
    keys = [str(key) for key in tracker.get_slot(SHOWN_PLACES) or []]
    if not keys:
        dispatcher.utter_message(response="utter_place_details_none")
        return
    try:
        lines = await client.place_details(keys, str(tracker.latest_message.get("text") or ""))
    except AppUnavailable as exc:
        log.warning("place details unavailable: %s", exc)
        dispatcher.utter_message(response="utter_place_unavailable")
        return
    dispatcher.utter_message(text="\n".join(lines))
