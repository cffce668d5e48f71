"""Knowledge answers beyond the search: Leichte Sprache on and off, feedback per article.

The article itself goes out as a custom payload (``article_message``) so the app can
render it per channel: the web chat and Telegram get the full text, SMS the article's
short SMS form, and in Leichte Sprache every channel gets the Leichte-Sprache form.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, KnowledgeHit, get_app_client
from actions.person_request import wants_help_after_failure

log = logging.getLogger(__name__)

EASY_SLOT = "easy_language"
ARTICLE_SLOT = "current_article"
FEEDBACK_SLOT = "feedback_article"


# Words of a wish for the normal form ("wieder normal schreiben", "schwere Sprache").
_ABOUT_LANGUAGE = re.compile(
    r"sprache|normal|vorher|früher|ausführlich|genauer|detail|einzelheit|schwer|lange antwort|"
    r"version|fassung|erklärung|so einfach|erwachsen",
    re.IGNORECASE,
)


def uses_easy_language(tracker: Tracker) -> bool:
    """Whether the citizen asked for Leichte Sprache (and not back for the normal form)."""
    return bool(tracker.get_slot(EASY_SLOT))


def article_message(hit: KnowledgeHit, *, easy: bool) -> dict[str, Any]:
    """The channel-neutral custom payload of an article in the wanted form."""
    if easy and hit.easy:
        return {"type": "article", "article_id": hit.id, "form": "easy", "text": hit.easy}
    return {
        "type": "article",
        "article_id": hit.id,
        "form": "standard",
        "text": hit.answer,
        "sms": hit.sms,
    }


def send_article(dispatcher: CollectingDispatcher, hit: KnowledgeHit, *, easy: bool) -> None:
    """The article, then the follow-up question with its buttons."""
    dispatcher.utter_message(json_message=article_message(hit, easy=easy))
    dispatcher.utter_message(
        response="utter_howto_followup_easy" if easy else "utter_howto_followup"
    )


def input_channel(tracker: Tracker) -> str:
    """The citizen's channel as the app passed it in the message metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    return str(channel) if channel else "unknown"


class ActionUseEasyLanguage(Action):
    """Switch to Leichte Sprache and send the current article again in that form."""

    def name(self) -> str:
        return "action_use_easy_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_easy_language_on")
        article_id = tracker.get_slot(ARTICLE_SLOT)
        hit = None
        if article_id:
            try:
                hit = await get_app_client().get_article(str(article_id))
            except AppUnavailable as exc:
                log.warning("knowledge article unavailable: %s", exc)
        if hit is not None:
            send_article(dispatcher, hit, easy=True)
        else:
            dispatcher.utter_message(response="utter_easy_language_question")
        return [SlotSet(EASY_SLOT, True)]


class ActionUseNormalLanguage(Action):
    """Back to the normal form of the answers."""

    def name(self) -> str:
        return "action_use_normal_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = str(tracker.latest_message.get("text") or "")
        if not text.startswith("/") and not _ABOUT_LANGUAGE.search(text):
            # The NLU heard "normal again" in a question ("wie komme ich da ganz raus"):
            # the question is answered; the form of the answers stays as it is.
            return [FollowupAction("action_answer_howto")]
        dispatcher.utter_message(response="utter_normal_language_on")
        return [SlotSet(EASY_SLOT, False)]


class ActionRecordFeedback(Action):
    """Count "Hat geholfen" / "Hat nicht geholfen" for the current article, once.

    The app stores only the article, the verdict, the channel and the day. "Nicht
    geholfen" offers simpler wording (unless already in Leichte Sprache), a place or a
    human.
    """

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        helpful = intent == "article_helpful"
        article_id = tracker.get_slot(ARTICLE_SLOT)
        events: list[dict[str, Any]] = []
        if article_id and tracker.get_slot(FEEDBACK_SLOT) != article_id:
            try:
                await get_app_client().record_feedback(
                    str(article_id),
                    helpful,
                    input_channel(tracker),
                    sender=tracker.sender_id,
                    stadtbezirk=tracker.get_slot("stadtbezirk"),
                )
                events.append(SlotSet(FEEDBACK_SLOT, article_id))
            except AppUnavailable as exc:
                log.warning("knowledge feedback not recorded: %s", exc)
        text = str(tracker.latest_message.get("text") or "").lower()
        if helpful:
            dispatcher.utter_message(response="utter_feedback_thanks")
        elif wants_help_after_failure(text):
            events.append(FollowupAction("action_start_handoff"))
        elif uses_easy_language(tracker):
            dispatcher.utter_message(response="utter_feedback_sorry_easy")
        else:
            dispatcher.utter_message(response="utter_feedback_sorry")
        return events
