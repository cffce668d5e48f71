"""Handoff to a person: why (request, call back, urgent topic, two unanswered questions),
where and when (the app's help desk queues), with the citizen's consent."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.app_client import AppUnavailable, get_app_client
from actions.consent import consent_answer
from actions.person_request import asks_for_a_person, wants_help_after_failure
from actions.place_details import SHOWN_PLACES, answer_place_details
from actions.triage import (
    asks_about_shown_places,
    asks_how_to,
    failure_with_help_request,
    incident_topic,
    looks_like_howto,
    wants_a_visit,
)

log = logging.getLogger(__name__)

UNKNOWN_BEZIRK = "unbekannt"
FAILED_ANSWERS_FOR_HANDOFF = 2
HANDOFF_SLOTS = (
    "handoff_bezirk",
    "handoff_callback",
    "handoff_consent",
    "handoff_type",
    "handoff_priority",
    "handoff_topic",
    "handoff_summary",
)

# Urgent topics, matched on lower-case text; the first that matches names the topic.
_CHILD = r"(kind|sohn|tochter|enkel|klasse)"
_BULLYING = r"(mobb|schikan|fertig gemacht|beleidig|bedroh|nachrichten von fremden)"
_CALL = r"(anruf|ruft\b|rufen\b|am telefon|angerufen|in der leitung|telefon)"
_CALLER_WANTS = (
    r"(bank|polizei|polizist|enkel|microsoft|support|techniker|geld|pin|tan|konto|kaution)"
)
URGENT_TOPICS = (
    ("cybermobbing_kind", re.compile(rf"{_CHILD}.*{_BULLYING}|cybermobbing")),
    (
        "betrugsanruf",
        re.compile(
            rf"(gerade|jetzt|grad|im moment).{{0,40}}{_CALL}|{_CALL}.{{0,60}}{_CALLER_WANTS}"
            r"|schockanruf|enkeltrick|falsche[rn]? polizist"
        ),
    ),
    ("bedrohung", re.compile(r"bedroh|droh|erpress")),
    ("konto_gehackt", re.compile(r"gehackt|übernommen|passwort geändert|in meinem namen")),
    ("geld_weg", re.compile(r"geld|konto|abgebucht|euro|überwiesen|tan|bank")),
)
URGENT_WORDS = re.compile(r"dringend|notfall|sofort|schnell|hilfe|angst|polizei|betrug|betrüg")
CALLBACK = re.compile(r"anruf|anrufen|rückruf|zurückruf|telefon")
CALL_WISH = re.compile(
    r"\b(kann|könnte|bitte|gern|gerne|möchte|hätte|wünsche|würde)\b.{0,40}"
    r"\b(anrufen|zurückrufen|rückruf|zurückruf|anruf|telefon)\w*"
    r"|\bruf\w* (sie |mich |uns |bitte |jemand |wer |mal )*(an|zurück)\b"
)
DONT_KNOW = re.compile(r"weiß (ich )?nicht|weiss (ich )?nicht|keine ahnung|unbekannt|egal|^/deny")
PHONE = re.compile(r"(\+?\d[\d /()-]{4,}\d)")
# The app replaces every phone number a citizen writes with this placeholder and keeps
# the number encrypted (helpdesk/privacy/phones.py): Rasa and its tracker never see it.
WRITTEN_NUMBER = "[Rufnummer]"


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def _intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def _channel(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("metadata") or {}).get("channel") or "")


def urgent_topic(text: str) -> str | None:
    """The urgent topic a message names, if any."""
    lowered = text.lower()
    return next((topic for topic, pattern in URGENT_TOPICS if pattern.search(lowered)), None)


def _asks_for_a_call(text: str) -> bool:
    """ "Bitte rufen Sie mich an", "hätte gern einen Anruf": a call back, not a call told of."""
    return bool(CALL_WISH.search(text.lower()))


def after_answer(tracker: Tracker, *, answered: bool) -> list[EventType]:
    """The hook for action_answer_howto: count unanswered questions in a row; the second
    one starts a handoff."""
    if answered:
        return [SlotSet("failed_answers", 0)]
    failed = int(tracker.get_slot("failed_answers") or 0) + 1
    if failed < FAILED_ANSWERS_FOR_HANDOFF or tracker.active_loop.get("name"):
        return [SlotSet("failed_answers", failed)]
    return [SlotSet("failed_answers", 0), FollowupAction("action_start_handoff")]


def _recent_user_texts(tracker: Tracker, count: int) -> list[str]:
    texts = [
        str(event.get("text") or "")
        for event in tracker.events
        if event.get("event") == "user" and not str(event.get("text") or "").startswith("/")
    ]
    return [text for text in texts if text][-count:]


async def _bezirk_in_message(tracker: Tracker) -> str | None:
    """The Stadtbezirk named in the message that asks for a person ("… ich wohne in
    Barop"), so the form does not ask for it again."""
    text = _text(tracker)
    if not text or text.startswith("/"):
        return None
    try:
        return await get_app_client().resolve_location(text, None)
    except AppUnavailable as exc:
        log.warning("place resolution unavailable: %s", exc)
        return None


class ActionStartHandoff(Action):
    """Read why the citizen needs a person, say what happens next, start handoff_form."""

    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text, intent = _text(tracker), _intent(tracker)
        if (
            intent == "request_human"
            and tracker.get_slot(SHOWN_PLACES)
            and not asks_for_a_person(text)
            and asks_about_shown_places(text)
        ):
            # "Sprechen die Türkisch?" about the places just shown, not a wish for a person.
            await answer_place_details(dispatcher, tracker, get_app_client())
            return [FollowupAction("action_listen")]
        if (
            intent == "request_human"
            and looks_like_howto(text)
            and not wants_help_after_failure(text)
            and not CALLBACK.search(text.lower())
        ):
            # A question the NLU took for a wish for a person ("kann ich meinen hund
            # allein lassen"): no person, no help word: the search answers or says so.
            return [FollowupAction("action_answer_howto")]
        if intent != "report_emergency" and incident_topic(text):
            intent = "report_emergency"  # an incident told in the citizen's own words
        elif intent == "report_emergency" and not incident_topic(text) and asks_how_to(text):
            # A worry with a how-to question ("Ich habe Angst, dass das Geld weg ist. Wie
            # fange ich sicher an?"): the answer, not an alarm.
            return [FollowupAction("action_answer_howto")]
        topic = (
            (incident_topic(text) or urgent_topic(text)) if intent == "report_emergency" else None
        )
        if intent == "report_emergency" and topic is None and not URGENT_WORDS.search(text.lower()):
            # The NLU guessed "urgent" for a message that names no urgent topic and says
            # nothing urgent (a garden, the neighbours): no alarm, no handoff; say what
            # the bot knows about, with the offer of a person.
            dispatcher.utter_message(response="utter_out_of_scope")
            return [FollowupAction("action_listen")]
        kind, priority = "frage", "normal"
        if intent == "report_emergency":
            priority = "dringend"
            intro = f"utter_handoff_intro_urgent_{topic}" if topic else "utter_handoff_intro_urgent"
            topic = topic or "dringend"
        elif CALLBACK.search(text.lower()) and (
            intent == "request_human" or asks_for_a_person(text) or _asks_for_a_call(text)
        ):
            kind, intro = "rueckruf", "utter_handoff_intro_callback"
        elif (
            wants_a_visit(text)
            or intent == "request_human"
            or text.startswith("/")
            or asks_for_a_person(text)
            or failure_with_help_request(text)
        ):
            intro = "utter_handoff_intro_request"
        else:  # started by after_answer: two questions without an answer
            intro = "utter_handoff_intro_failed"
            topic = "unbeantwortet"
        if priority == "dringend" and _asks_for_a_call(text):
            kind = "rueckruf"
        summary = " | ".join(_recent_user_texts(tracker, 3))
        dispatcher.utter_message(response=intro)
        bezirk = tracker.get_slot("stadtbezirk") or await _bezirk_in_message(tracker)
        # "bitte um Rückruf 0231 …": the number is given already; do not ask for it again.
        callback = text[:200] if kind == "rueckruf" and WRITTEN_NUMBER in text else None
        return [
            SlotSet("handoff_type", kind),
            SlotSet("handoff_priority", priority),
            SlotSet("handoff_topic", topic or "persoenliche_hilfe"),
            SlotSet("handoff_summary", summary[:1000]),
            SlotSet("handoff_bezirk", bezirk),
            SlotSet("stadtbezirk", bezirk),
            SlotSet("handoff_callback", callback),
            SlotSet("handoff_consent", None),
            SlotSet("failed_answers", 0),
        ]


class ValidateHandoffForm(FormValidationAction):
    """Stadtbezirk (or the central queue), call-back details, consent."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("handoff_type") == "rueckruf":
            return domain_slots
        return [slot for slot in domain_slots if slot != "handoff_callback"]

    async def validate_handoff_bezirk(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        entity = next(tracker.get_latest_entity_values("stadtbezirk"), None)
        if entity:
            return {"handoff_bezirk": str(entity), "stadtbezirk": str(entity), **_call_wish(value)}
        if value is None:  # reset by action_start_handoff, not an answer: ask
            return {"handoff_bezirk": None}
        text = str(value).strip()
        if not text or DONT_KNOW.search(text.lower()) or _intent(tracker) == "deny":
            return {"handoff_bezirk": UNKNOWN_BEZIRK}
        try:
            bezirk = await get_app_client().resolve_location(text, None)
        except AppUnavailable as exc:
            log.warning("place resolution unavailable: %s", exc)
            bezirk = None
        if bezirk:
            return {"handoff_bezirk": bezirk, "stadtbezirk": bezirk, **_call_wish(text)}
        dispatcher.utter_message(response="utter_handoff_bezirk_central")
        return {"handoff_bezirk": UNKNOWN_BEZIRK, **_call_wish(text)}

    async def validate_handoff_callback(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by action_start_handoff, not an answer: ask
            return {"handoff_callback": None}
        text = str(value).strip()
        if WRITTEN_NUMBER in text or PHONE.search(text) or (text and _channel(tracker) == "sms"):
            return {"handoff_callback": text[:200]}
        dispatcher.utter_message(response="utter_handoff_callback_no_number")
        return {"handoff_callback": None}

    async def validate_handoff_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by action_start_handoff, not an answer: ask
            return {"handoff_consent": None}
        answer = consent_answer(str(value))
        if answer is not None:
            return {"handoff_consent": answer}
        dispatcher.utter_message(response="utter_handoff_consent_unclear")
        return {"handoff_consent": None}


def _call_wish(text: Any) -> dict[str, Any]:
    """ "Ich wohne in Schüren und hätte gern einen Anruf": the form asks for the number."""
    if isinstance(text, str) and _asks_for_a_call(text):
        return {"handoff_type": "rueckruf"}
    return {}


def _bezirk(tracker: Tracker) -> str | None:
    bezirk = tracker.get_slot("handoff_bezirk")
    return None if not bezirk or bezirk == UNKNOWN_BEZIRK else str(bezirk)


class ActionAskHandoffCallback(Action):
    """Ask for a number and a time; on SMS the sender's number is offered."""

    def name(self) -> str:
        return "action_ask_handoff_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        sms = _channel(tracker) == "sms"
        dispatcher.utter_message(
            response="utter_ask_handoff_callback_sms" if sms else "utter_ask_handoff_callback"
        )
        return []


class ActionAskHandoffConsent(Action):
    """Say where the request goes and when a person is there, and ask for consent."""

    def name(self) -> str:
        return "action_ask_handoff_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        callback = tracker.get_slot("handoff_type") == "rueckruf"
        try:
            plan = await get_app_client().preview_handoff(_bezirk(tracker))
        except AppUnavailable as exc:
            log.warning("handoff preview unavailable: %s", exc)
            dispatcher.utter_message(response="utter_handoff_consent_unknown_time")
            return []
        response = "utter_handoff_consent_callback" if callback else "utter_handoff_consent"
        dispatcher.utter_message(response=response, place=plan.place, when=plan.when)
        return []


class ActionCreateTicket(Action):
    """With consent: open the ticket in the app. Then forget the handoff slots."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in HANDOFF_SLOTS]
        if tracker.get_slot("handoff_consent") != "ja":
            dispatcher.utter_message(response="utter_handoff_declined")
            return reset
        callback = tracker.get_slot("handoff_type") == "rueckruf"
        details = str(tracker.get_slot("handoff_callback") or "")
        written = callback and WRITTEN_NUMBER in details
        details = re.sub(r"\s+", " ", details.replace(WRITTEN_NUMBER, " ")).strip(" ,;.-")
        phone = PHONE.search(details)
        request = {
            "sender": tracker.sender_id,
            "type": "rueckruf" if callback else "frage",
            "priority": tracker.get_slot("handoff_priority") or "normal",
            "topic": tracker.get_slot("handoff_topic") or "",
            "stadtbezirk": _bezirk(tracker),
            "summary": tracker.get_slot("handoff_summary") or "",
            "callback_window": details[:100] if callback and details else None,
            "phone": re.sub(r"[^\d+]", "", phone.group(1)) if callback and phone else None,
            "use_written_number": written,
            "use_sms_number": callback
            and not written
            and phone is None
            and _channel(tracker) == "sms",
        }
        try:
            await get_app_client().create_ticket(request)
        except AppUnavailable as exc:
            log.warning("ticket creation unavailable: %s", exc)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return reset
        created = "utter_handoff_created_callback" if callback else "utter_handoff_created"
        dispatcher.utter_message(response=created)
        return reset
