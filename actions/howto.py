"""How-to questions: answered from the knowledge base that the app searches."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, get_app_client
from actions.human import after_answer

log = logging.getLogger(__name__)


class ActionAnswerHowto(Action):
    """Answer with the best-matching article, or say honestly that none fits."""

    def name(self) -> str:
        return "action_answer_howto"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        if not question or question.startswith("/"):
            dispatcher.utter_message(response="utter_howto_not_found")
            return after_answer(tracker, answered=False)
        try:
            hits = await get_app_client().search_knowledge(question, limit=3)
        except AppUnavailable as exc:
            log.warning("knowledge search unavailable: %s", exc)
            dispatcher.utter_message(response="utter_howto_not_found")
            return after_answer(tracker, answered=False)
        best = hits[0] if hits else None
        if best is None or not best.confident:
            dispatcher.utter_message(response="utter_howto_not_found")
            return after_answer(tracker, answered=False)
        # A custom payload keeps the article in one piece (the REST channel splits plain
        # text at blank lines) and lets the app render it per channel.
        dispatcher.utter_message(
            json_message={"type": "article", "article_id": best.id, "text": best.answer}
        )
        await self._offer_place(dispatcher, tracker, question)
        dispatcher.utter_message(response="utter_howto_followup")
        return after_answer(tracker, answered=True)

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
