"""Follow-ups about what the bot said last: "Was kostet das?", "Nochmal bitte", "Zurück".

The conversation remembers the article it answered with (``current_article``), the one
before it (``previous_article``) and the places it named (``shown_places``); these
actions answer from them instead of searching again.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, KnowledgeHit, get_app_client
from actions.knowledge import ARTICLE_SLOT, send_article, uses_easy_language
from actions.places import SHOWN_PLACES

log = logging.getLogger(__name__)

PREVIOUS_SLOT = "previous_article"
# Sentences of an article that say what something costs.
COST_WORDS = re.compile(
    r"kost|gebühr|gebuehr|euro|€|\bcent\b|gratis|umsonst|preis|bezahl|zahlen|abo\b|abos\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKUP = re.compile(r"\*\*|__|`|^#+\s*|^\s*[-*]\s+|^\s*\d+\.\s+", re.MULTILINE)
MAX_COST_SENTENCES = 3


def last_shown(tracker: Tracker) -> str | None:
    """ "article" or "places", whichever the bot showed last; None if neither."""
    for event in reversed(tracker.events):
        if event.get("event") != "slot" or event.get("value") in (None, []):
            continue
        if event.get("name") == ARTICLE_SLOT:
            return "article"
        if event.get("name") == SHOWN_PLACES:
            return "places"
    return None


def cost_sentences(hit: KnowledgeHit) -> list[str]:
    """The article's sentences about money, in order, without Markdown (at most three)."""
    sentences = [s.strip() for s in _SENTENCE.split(_MARKUP.sub("", hit.answer)) if s.strip()]
    return [s for s in sentences if COST_WORDS.search(s)][:MAX_COST_SENTENCES]


async def _article(tracker: Tracker, slot: str) -> KnowledgeHit | None:
    article_id = tracker.get_slot(slot)
    if not article_id:
        return None
    try:
        return await get_app_client().get_article(str(article_id))
    except AppUnavailable as exc:
        log.warning("knowledge article unavailable: %s", exc)
        return None


# Words of a bare "Was kostet das denn?"; any other word names what the price is for.
_COST_WORDS = frozenset(
    (
        "was",
        "wie",
        "viel",
        "kostet",
        "kosten",
        "kostest",
        "das",
        "denn",
        "es",
        "da",
        "dort",
        "ist",
        "sind",
        "n",
        "ne",
        "ein",
        "eine",
        "einen",
        "der",
        "die",
        "den",
        "dem",
        "so",
        "bitte",
        "mich",
        "mir",
        "uns",
        "und",
        "aber",
        "eigentlich",
        "überhaupt",
        "teuer",
    )
)


def names_a_thing(text: str) -> bool:
    """Whether a cost question says what it is about ("was kostet ein ausweis")."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    return any(word not in _COST_WORDS for word in words)


class ActionAnswerCost(Action):
    """ "Was kostet das?": from the places just named, or from the article just sent."""

    def name(self) -> str:
        return "action_answer_cost"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        shown = last_shown(tracker)
        if shown == "places":
            keys = [str(key) for key in tracker.get_slot(SHOWN_PLACES) or []]
            try:
                lines = await get_app_client().place_details(keys, "was kostet das")
            except AppUnavailable as exc:
                log.warning("place details unavailable: %s", exc)
                lines = []
            if lines:
                dispatcher.utter_message(text="\n".join(lines))
                return []
        hit = await _article(tracker, ARTICLE_SLOT) if shown == "article" else None
        if hit is None:
            if names_a_thing(str(tracker.latest_message.get("text") or "")):
                # "Was kostet ein Bibliotheksausweis?": a question for the articles.
                return [FollowupAction("action_answer_howto")]
            dispatcher.utter_message(response="utter_cost_what")
            return []
        sentences = cost_sentences(hit)
        if sentences:
            dispatcher.utter_message(
                response="utter_cost_from_article", title=hit.title, text=" ".join(sentences)
            )
        else:
            dispatcher.utter_message(response="utter_cost_not_in_article", title=hit.title)
        return []


class ActionRepeatArticle(Action):
    """ "Nochmal bitte": the article just sent, once more (in the form the citizen reads)."""

    def name(self) -> str:
        return "action_repeat_article"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        hit = await _article(tracker, ARTICLE_SLOT)
        if hit is None:
            dispatcher.utter_message(response="utter_repeat_nothing")
            return []
        send_article(dispatcher, hit, easy=uses_easy_language(tracker))
        return []


class ActionPreviousArticle(Action):
    """ "Zurück": the article before the current one; the two swap places."""

    def name(self) -> str:
        return "action_previous_article"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        hit = await _article(tracker, PREVIOUS_SLOT)
        if hit is None:
            dispatcher.utter_message(response="utter_back_nothing")
            return []
        send_article(dispatcher, hit, easy=uses_easy_language(tracker))
        return [
            SlotSet(PREVIOUS_SLOT, tracker.get_slot(ARTICLE_SLOT)),
            SlotSet(ARTICLE_SLOT, hit.id),
        ]
