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


class ActionFindPlace(Action):
    """Names one or two fitting places, with why they fit; or says honestly that none does."""

    def name(self) -> str:
        return "action_find_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        request = tracker.get_slot("place_request") or ""
        try:
            routing = await get_app_client().route_places(
                text=request,
                stadtbezirk=tracker.get_slot("stadtbezirk"),
                postcode=tracker.get_slot("postcode"),
            )
        except AppUnavailable as exc:
            log.warning("place routing unavailable: %s", exc)
            dispatcher.utter_message(response="utter_place_unavailable")
            return []
        if not routing.places:
            dispatcher.utter_message(response="utter_place_none")
            return []
        if routing.notice:
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
        return [SlotSet("place_request", None)]
