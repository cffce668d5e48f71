"""Finding a staffed place near the citizen, through the app's place routing."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.app_client import AppUnavailable, Location, get_app_client
from actions.place_details import SHOWN_PLACES, answer_place_details
from actions.turns import end_of_turn

log = logging.getLogger(__name__)

# A location said together with what the citizen looks for ("computer hilfe in
# aplerbeck", "wlan in hörde"): name the places at once instead of asking first.
NEED_WORDS = re.compile(
    r"hilfe|helfen|computer|\bpc\b|laptop|tablet|handy|smartphone|internet|wlan|w-lan|"
    r"drucken|drucker|scannen|kurs|treff|sprechstunde|beratung|lern|ausleihen|leihen|"
    r"bücherei|buecherei|bibliothek|vhs|volkshochschule",
    re.IGNORECASE,
)
# A location that goes on from the need said before ("gibts sowas auch in hörde?").
GOES_ON = re.compile(
    r"\b(sowas|so was|so etwas|das auch|auch in|auch bei|dort auch|da auch|in der nähe|"
    r"in meiner nähe|bei mir|welche[rs]?|wo)\b",
    re.IGNORECASE,
)


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


async def locate_in_message(tracker: Tracker) -> Location | None:
    """Where the latest message says the citizen is, anywhere in the sentence ("ich wohne
    in 44339 und suche ..."), or None (no location named, a button, the app away)."""
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    try:
        location = await get_app_client().locate(text, _entity(tracker, "postcode"))
    except AppUnavailable as exc:
        log.warning("place resolution unavailable: %s", exc)
        return None
    return location if location.stadtbezirk or location.candidates else None


async def _ambiguous_name(tracker: Tracker) -> Location | None:
    """The NLU read a Stadtbezirk into the message, but the name said there belongs to
    several ("in der Innenstadt", "City"): the candidates to ask between, else None."""
    if not _entity(tracker, "stadtbezirk"):
        return None
    location = await locate_in_message(tracker)
    if location is not None and location.ambiguous and len(location.candidates) > 1:
        return location
    return None


class ValidatePlaceForm(FormValidationAction):
    """Fills the Stadtbezirk from a Stadtteil, a postcode or free text via the app: in
    the question that starts the form as well as in the answer to the form's question."""

    def name(self) -> str:
        return "validate_place_form"

    async def extract_stadtbezirk(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _entity(tracker, "stadtbezirk") or tracker.get_slot("stadtbezirk"):
            return {}
        if tracker.get_slot("requested_slot") not in (None, "stadtbezirk"):
            return {}
        location = await locate_in_message(tracker)
        if location is None or location.ambiguous or not location.stadtbezirk:
            return {}
        return {"stadtbezirk": location.stadtbezirk}

    async def validate_stadtbezirk(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if await _ambiguous_name(tracker) is not None:
            return {"stadtbezirk": None}  # action_ask_stadtbezirk asks between them
        return {"stadtbezirk": slot_value}


class ActionAskStadtbezirk(Action):
    """The place form's question: only between the Stadtbezirke the citizen's words may
    mean (a border postcode, "Innenstadt"), else the whole list."""

    def name(self) -> str:
        return "action_ask_stadtbezirk"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        location = await locate_in_message(tracker)
        if location is not None and location.ambiguous and len(location.candidates) > 1:
            dispatcher.utter_message(
                response="utter_ask_stadtbezirk_among",
                buttons=_district_buttons(location.candidates),
            )
        else:
            dispatcher.utter_message(response="utter_ask_stadtbezirk")
        return []


class ActionNoteLocation(Action):
    """A location said outside a form ("ich wohne in 44263", after article choices):
    remember the Stadtbezirk and offer places there; a postcode on a border gets one
    short question between its Stadtbezirke."""

    def name(self) -> str:
        return "action_note_location"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return end_of_turn(tracker, await self._note(dispatcher, tracker))

    async def _note(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        bezirk = _entity(tracker, "stadtbezirk")
        if bezirk and (ambiguous := await _ambiguous_name(tracker)) is not None:
            dispatcher.utter_message(
                response="utter_ask_stadtbezirk_among",
                buttons=_district_buttons(ambiguous.candidates),
            )
            return []
        location = None if bezirk else await locate_in_message(tracker)
        if location is not None and location.ambiguous and len(location.candidates) > 1:
            dispatcher.utter_message(
                response="utter_ask_stadtbezirk_between",
                buttons=_district_buttons(location.candidates),
            )
            return []
        bezirk = bezirk or (location.stadtbezirk if location else None)
        if not bezirk:
            dispatcher.utter_message(response="utter_inform_ack")
            return []
        text = str(tracker.latest_message.get("text") or "")
        need = _need_for_places(text, tracker)
        if need is not None:
            events: list[dict[str, Any]] = [
                SlotSet("stadtbezirk", bezirk),
                SlotSet("place_request", need),
            ]
            return events + await _name_places(
                dispatcher, tracker, offset=0, text=need, stadtbezirk=bezirk
            )
        dispatcher.utter_message(response="utter_location_noted", stadtbezirk=bezirk)
        return [SlotSet("stadtbezirk", bezirk)]


def _need_for_places(text: str, tracker: Tracker) -> str | None:
    """What to find places for when a location is said outside the place form: the
    message's own need ("wlan in hörde"), or the need of the conversation when the
    message goes on from it ("gibt es sowas auch in Hörde?", another district after
    places were shown); None when the message only says where the citizen lives."""
    if text.startswith("/"):
        return None
    if NEED_WORDS.search(text):
        return text[:300]
    earlier = tracker.get_slot("place_request")
    if earlier and (tracker.get_slot(SHOWN_PLACES) or GOES_ON.search(text)):
        return str(earlier)[:300]
    return None


def _district_buttons(candidates: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {"title": name, "payload": f'/inform{{"stadtbezirk": "{name}"}}'} for name in candidates
    ]


async def _name_places(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    offset: int,
    *,
    text: str | None = None,
    stadtbezirk: str | None = None,
) -> list[dict[str, Any]]:
    """Route from ``offset`` on and name the places; returns the slot events. ``text``
    and ``stadtbezirk`` stand in for the slots when this action sets them itself."""
    try:
        routing = await get_app_client().route_places(
            text=text if text is not None else tracker.get_slot("place_request") or "",
            stadtbezirk=stadtbezirk or tracker.get_slot("stadtbezirk"),
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
    shown = [place.key for place in routing.places if place.key]
    return [SlotSet("place_offset", next_offset), SlotSet(SHOWN_PLACES, shown)]


class ActionPlaceDetails(Action):
    """A follow-up about the places just shown: opening and consultation hours, address,
    step-free access, languages, phone (the app answers from the registry). With no
    places shown, the question is a how-to question ("wo finde ich die PUK?")."""

    def name(self) -> str:
        return "action_place_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not tracker.get_slot(SHOWN_PLACES):
            return [FollowupAction("action_answer_howto")]
        await answer_place_details(dispatcher, tracker, get_app_client())
        return end_of_turn(tracker, [])


class ActionFindPlace(Action):
    """Names one or two fitting places, with why they fit; or says honestly that none does."""

    def name(self) -> str:
        return "action_find_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return end_of_turn(tracker, await _name_places(dispatcher, tracker, offset=0))


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
            return end_of_turn(tracker, [])
        return end_of_turn(tracker, await _name_places(dispatcher, tracker, offset=int(offset)))
