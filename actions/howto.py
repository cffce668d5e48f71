"""How-to questions: answered from the knowledge base that the app searches."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, KnowledgeHit, KnowledgeResult, get_app_client
from actions.human import after_answer
from actions.knowledge import ARTICLE_SLOT, send_article, uses_easy_language
from actions.person_request import asks_for_a_person
from actions.places import NEED_WORDS, ActionNoteLocation, locate_in_message
from actions.triage import (
    context_query,
    failure_with_help_request,
    incident_topic,
    wants_a_visit,
)
from actions.turns import end_of_turn

log = logging.getLogger(__name__)

MAX_CHOICES = 3


def choice_payload(article_id: str) -> str:
    """The payload of a choice button: the how-to intent with the article's id."""
    return "/ask_howto" + json.dumps({"article_id": article_id}, separators=(",", ":"))


def needs_a_person(text: str, tracker: Tracker) -> bool:
    """Whether a message the NLU took for a question is a case for a person."""
    return bool(
        asks_for_a_person(text)
        or incident_topic(text)
        or wants_a_visit(text)
        or (tracker.get_slot(ARTICLE_SLOT) and failure_with_help_request(text))
    )


def answer_with_article(
    dispatcher: CollectingDispatcher, tracker: Tracker, best: KnowledgeHit
) -> list[dict[str, Any]]:
    """Send ``best`` in the citizen's form; the slot events that remember it."""
    # A custom payload keeps the article in one piece (the REST channel splits plain
    # text at blank lines) and lets the app render it per channel.
    send_article(dispatcher, best, easy=uses_easy_language(tracker))
    events: list[dict[str, Any]] = [SlotSet(ARTICLE_SLOT, best.id)]
    current = tracker.get_slot(ARTICLE_SLOT)
    if current and current != best.id:  # "Zurück" goes back to it
        events.insert(0, SlotSet("previous_article", current))
    return events


async def _with_context(client: Any, question: str, tracker: Tracker) -> KnowledgeResult | None:
    """An unsure follow-up ("Und kann ich da auch scannen?") searched once more with the
    topic of the article just answered; the answer only if that one is confident."""
    query = context_query(question, tracker.get_slot(ARTICLE_SLOT))
    if query is None:
        return None
    result: KnowledgeResult = await client.answer_question(query, record=False)
    return result if result.outcome == "answer" and result.hits else None


class ActionAnswerHowto(Action):
    """Answer with the best-matching article, offer the likely ones when the search is
    unsure, or say honestly that none fits (the app then records the question for the
    editors, without personal data)."""

    def name(self) -> str:
        return "action_answer_howto"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        if not chosen and needs_a_person(question, tracker):
            # The NLU heard a how-to question, but the citizen asks for a person, tells of
            # an urgent incident, or says the last answer did not help and asks for help.
            return [FollowupAction("action_start_handoff")]
        client = get_app_client()
        try:
            if chosen:  # a choice button: "/ask_howto{"article_id": "..."}"
                hit = await client.get_article(str(chosen))
                result = KnowledgeResult("answer" if hit else "none", [hit] if hit else [])
            elif not question or question.startswith("/"):
                result = KnowledgeResult("none", [])
            else:
                result = await client.answer_question(
                    question,
                    sender=tracker.sender_id,
                    stadtbezirk=tracker.get_slot("stadtbezirk"),
                )
            if result.outcome != "answer" and not chosen:
                result = await _with_context(client, question, tracker) or result
        except AppUnavailable as exc:
            log.warning("knowledge search unavailable: %s", exc)
            result = KnowledgeResult("none", [])
        if (
            result.outcome != "answer"
            and not chosen
            and NEED_WORDS.search(question)
            and await locate_in_message(tracker)
        ):
            # "Ich wohne in Mengede und suche Hilfe mit dem Handy ...": places, not choices.
            return await ActionNoteLocation().run(dispatcher, tracker, domain)
        if result.outcome == "choices" and result.hits:
            dispatcher.utter_message(
                response="utter_howto_choices",
                buttons=[
                    {"title": hit.title, "payload": choice_payload(hit.id)}
                    for hit in result.hits[:MAX_CHOICES]
                ],
            )
            return end_of_turn(tracker, [])
        if result.outcome != "answer" or not result.hits:
            dispatcher.utter_message(response="utter_howto_not_found")
            return end_of_turn(tracker, after_answer(tracker, answered=False))
        best = result.hits[0]
        events = answer_with_article(dispatcher, tracker, best)
        await self._offer_place(dispatcher, tracker, best.title if chosen else question)
        return end_of_turn(tracker, events + after_answer(tracker, answered=True))

    @staticmethod
    async def _offer_place(
        dispatcher: CollectingDispatcher, tracker: Tracker, question: str
    ) -> None:
        """When the district is known, name the best place for personal help there."""
        bezirk = tracker.get_slot("stadtbezirk")
        if not bezirk:
            return
        try:
            routing = await get_app_client().route_places(
                text=question,
                stadtbezirk=bezirk,
                postcode=tracker.get_slot("postcode"),
                limit=1,
            )
        except AppUnavailable as exc:
            log.warning("place routing unavailable: %s", exc)
            return
        if routing.places:
            place = routing.places[0]
            dispatcher.utter_message(
                response="utter_howto_place",
                name=place.name,
                address=place.address,
                reasons=", ".join(place.reasons),
            )
