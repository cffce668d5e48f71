"""A second look before a place search or an "out of scope" answer.

The NLU decides on the intent from short examples. Two of its intents lead citizens
astray when taken literally (issue 12):

- ``find_place`` for a how-to question that names a place ("Wie kann ich in der
  Bücherei drucken?") or for a wish for a person ("Kann wer zu mir nach Hause
  kommen?"): `ActionRoutePlaceRequest` answers the question, hands over, or starts the
  place form as before.
- ``out_of_scope`` for long messages of older citizens that do ask about a phone or the
  internet, tell of an incident, or name where they live and what they need:
  `ActionOutOfScope` looks at the text once more before saying it cannot help.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, KnowledgeHit, get_app_client
from actions.howto import ActionAnswerHowto, answer_with_article, needs_a_person
from actions.knowledge import ARTICLE_SLOT
from actions.places import NEED_WORDS, ActionNoteLocation, locate_in_message
from actions.triage import context_query, insults_the_bot, looks_like_howto
from actions.turns import end_of_turn

log = logging.getLogger(__name__)

# From this many words on, an "out of scope" message is searched in the articles: the
# NLU is least sure about long messages, and a long message about the weather does
# not reach the confidence of an answer by chance.
LONG_MESSAGE_WORDS = 10
# "Ich brauche Hilfe." right after an answer: a person, not a place (a need word such
# as "drucken" or "WLAN" still makes it a place search).
_GENERIC_HELP = re.compile(r"\b(hilfe|helfen|hilft)\b", re.IGNORECASE)
_SERVICE_WORDS = re.compile(
    r"computer|\bpc\b|laptop|tablet|internet|wlan|w-lan|drucken|drucker|scannen|kurs|treff|"
    r"sprechstunde|lern|ausleihen|leihen|\bwo\b|\bort\b|in der nähe",
    re.IGNORECASE,
)
GENERIC_HELP_MAX_WORDS = 8


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "").strip()


def _generic_help_after_answer(text: str, tracker: Tracker) -> bool:
    return bool(
        tracker.get_slot(ARTICLE_SLOT)
        and len(text.split()) <= GENERIC_HELP_MAX_WORDS
        and _GENERIC_HELP.search(text)
        and not _SERVICE_WORDS.search(text)
    )


async def _confident_article(text: str, tracker: Tracker) -> KnowledgeHit | None:
    """The article that answers ``text`` confidently (for a follow-up, with the topic of
    the article just answered), or None. Looks without recording; only an answer is
    recorded (as demand), so a place search is not counted twice."""
    client = get_app_client()
    try:
        probe = await client.answer_question(text, record=False)
        followup = context_query(text, tracker.get_slot(ARTICLE_SLOT))
        if probe.outcome != "answer" and followup is not None:
            probe = await client.answer_question(followup, record=False)
        if probe.outcome != "answer" or not probe.hits:
            return None
        await client.answer_question(
            text, sender=tracker.sender_id, stadtbezirk=tracker.get_slot("stadtbezirk")
        )
    except AppUnavailable as exc:
        log.warning("knowledge search unavailable: %s", exc)
        return None
    return probe.hits[0]


class ActionRoutePlaceRequest(Action):
    """Before the place form: a how-to question is answered, a wish for a person hands
    over; everything else starts the place form as before."""

    def name(self) -> str:
        return "action_route_place_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = _text(tracker)
        if not text or text.startswith("/"):
            return [FollowupAction("place_form")]
        if needs_a_person(text, tracker) or _generic_help_after_answer(text, tracker):
            return [FollowupAction("action_start_handoff")]
        named_place = next(tracker.get_latest_entity_values("stadtbezirk"), None)
        if looks_like_howto(text) and not named_place and not await locate_in_message(tracker):
            best = await _confident_article(text, tracker)
            if best is not None:
                events = answer_with_article(dispatcher, tracker, best)
                await ActionAnswerHowto._offer_place(dispatcher, tracker, text)
                # A Stadtbezirk said next routes to places for this need ("drucken").
                return [
                    *events,
                    SlotSet("place_request", text[:300]),
                    SlotSet("failed_answers", 0),
                    FollowupAction("action_listen"),
                ]
        return [FollowupAction("place_form")]


class ActionOutOfScope(Action):
    """Say what DiODo knows about, unless the message is a case for a person, a place
    search with a location, or a long question an article answers."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = _text(tracker)
        if text and not text.startswith("/"):
            if needs_a_person(text, tracker):
                return [FollowupAction("action_start_handoff")]
            if NEED_WORDS.search(text) and await locate_in_message(tracker):
                return await ActionNoteLocation().run(dispatcher, tracker, domain)
            if len(text.split()) >= LONG_MESSAGE_WORDS:
                best = await _confident_article(text, tracker)
                if best is not None:
                    return end_of_turn(
                        tracker,
                        [
                            *answer_with_article(dispatcher, tracker, best),
                            SlotSet("failed_answers", 0),
                        ],
                    )
        dispatcher.utter_message(response="utter_out_of_scope")
        return end_of_turn(tracker, [])


# What a thank-you or a yes looks like; anything else the NLU put there is a question
# ("und wo ist tanken am billigsten" was once taken for thanks, "?????" for yes).
_THANKS = re.compile(
    r"dank|merci|thx|thanks|super|toll|prima|klasse|perfekt|wunderbar|spitze|gut|hilfreich|"
    r"nett|lieb|👍|🙏|😊|☺|❤|♥",
    re.IGNORECASE,
)
_LETTER_OR_THUMB = re.compile(r"[^\W\d_]|👍", re.UNICODE)
_ACKNOWLEDGEMENTS = {"thanks": "utter_youre_welcome", "affirm": "utter_affirm_ack"}


class ActionAcknowledge(Action):
    """ "Danke" and "ja" out of context are acknowledged; a message the NLU only took for
    one of them is answered as a question (the search then says what it knows)."""

    def name(self) -> str:
        return "action_acknowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = _text(tracker)
        if insults_the_bot(text):  # "danke für nichts, du nutzloses ding"
            dispatcher.utter_message(response="utter_insult")
            return end_of_turn(tracker, [])
        intent = str((tracker.latest_message.get("intent") or {}).get("name") or "")
        fits = text.startswith("/") or (
            bool(_LETTER_OR_THUMB.search(text))
            and not looks_like_howto(text)
            and (intent != "thanks" or bool(_THANKS.search(text)))
        )
        if not fits:
            return [FollowupAction("action_answer_howto")]
        dispatcher.utter_message(response=_ACKNOWLEDGEMENTS.get(intent, "utter_affirm_ack"))
        return end_of_turn(tracker, [])


class ActionBotChallenge(Action):
    """ "Bist du ein Mensch?" gets who DiODo is; an angry word at DiODo ("du blöde
    Maschine"), which the NLU files here too, gets a calm "weiß ich leider nicht" and
    the way to a person."""

    def name(self) -> str:
        return "action_bot_challenge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        insult = insults_the_bot(_text(tracker))
        dispatcher.utter_message(response="utter_insult" if insult else "utter_iamabot")
        return end_of_turn(tracker, [])
