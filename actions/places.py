"""Finding a staffed place near the citizen, through the app's place routing."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.app_client import AppUnavailable, get_app_client

log = logging.getLogger(__name__)


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


class ValidatePlaceForm(FormValidationAction):
    """Fills the Stadtbezirk from a Stadtteil, a postcode or free text via the app."""

    def name(self) -> str:
        return "validate_place_form"

    async def extract_stadtbezirk(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _entity(tracker, "stadtbezirk") or tracker.get_slot("requested_slot") != "stadtbezirk":
            return {}
        text = (tracker.latest_message.get("text") or "").strip()
        if not text or text.startswith("/"):
            return {}
        try:
            bezirk = await get_app_client().resolve_location(text, _entity(tracker, "postcode"))
        except AppUnavailable as exc:
            log.warning("place resolution unavailable: %s", exc)
            return {}
        return {"stadtbezirk": bezirk} if bezirk else {}


async def _name_places(
    dispatcher: CollectingDispatcher, tracker: Tracker, offset: int
) -> list[dict[str, Any]]:
    """Route from ``offset`` on and name the places; returns the slot events."""
    try:
        routing = await get_app_client().route_places(
            text=tracker.get_slot("place_request") or "",
            stadtbezirk=tracker.get_slot("stadtbezirk"),
            postcode=tracker.get_slot("postcode"),
            offset=offset,
            sender=tracker.sender_id,
        )
    except AppUnavailable as exc:
        log.warning("place routing unavailable: %s", exc)
        dispatcher.utter_message(response="utter_place_unavailable")
        return []
    if not routing.places:
        dispatcher.utter_message(
            response="utter_place_none" if offset == 0 else "utter_place_no_more"
        )
        return [SlotSet("place_offset", None)]
    if routing.notice and offset == 0:
        dispatcher.utter_message(text=routing.notice)
    for place in routing.places:
        dispatcher.utter_message(
            response="utter_place_result",
            name=place.name,
            address=place.address,
            reasons=", ".join(place.reasons),
        )
    if any(place.is_example_data for place in routing.places):
        dispatcher.utter_message(response="utter_place_example_notice")
    if routing.next_offset is not None:
        dispatcher.utter_message(response="utter_place_more_offer")
    next_offset = float(routing.next_offset) if routing.next_offset is not None else None
    return [SlotSet("place_offset", next_offset)]


class ActionFindPlace(Action):
    """Names one or two fitting places, with why they fit; or says honestly that none does."""

    def name(self) -> str:
        return "action_find_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return await _name_places(dispatcher, tracker, offset=0)


class ActionMorePlaces(Action):
    """ "Andere Orte": the next places of the last search."""

    def name(self) -> str:
        return "action_more_places"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        offset = tracker.get_slot("place_offset")
        if offset is None:
            dispatcher.utter_message(response="utter_place_no_more")
            return []
        return await _name_places(dispatcher, tracker, offset=int(offset))
