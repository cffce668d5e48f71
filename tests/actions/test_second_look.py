"""A second look before the place form and before "out of scope" (actions/second_look.py),
with an in-memory tracker and a fake app client. Issue 12, classes 1, 4, 5 and 7."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import places, second_look
from actions.app_client import KnowledgeHit, KnowledgeResult, Location, PlaceRouting

LISTEN = FollowupAction("action_listen")
PRINTING = KnowledgeHit("drucken", "Drucken in der Bibliothek", "So drucken Sie.", 0.9, True)


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym",
            "slots": dict(slots or {}),
            "latest_message": {
                "text": text,
                "intent": {"name": intent},
                "entities": [],
                "metadata": {"channel": "web"},
            },
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


class FakeApp:
    def __init__(self, hit: KnowledgeHit | None = None, bezirk: str | None = None) -> None:
        self.hit = hit
        self.bezirk = bezirk
        self.searches: list[tuple[str, bool, str | None]] = []
        self.routes: list[dict[str, Any]] = []

    async def answer_question(
        self,
        question: str,
        *,
        sender: str | None = None,
        stadtbezirk: str | None = None,
        record: bool = True,
    ) -> KnowledgeResult:
        self.searches.append((question, record, sender))
        if self.hit is None:
            return KnowledgeResult("none", [])
        return KnowledgeResult("answer", [self.hit])

    async def locate(self, text: str, postcode: str | None = None) -> Location:
        return Location(self.bezirk, (self.bezirk,) if self.bezirk else (), False, None)

    async def route_places(self, **kwargs: Any) -> PlaceRouting:
        self.routes.append(kwargs)
        return PlaceRouting(self.bezirk, False, None, [], None)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    fake = FakeApp()
    for module in (second_look, places):
        monkeypatch.setattr(module, "get_app_client", lambda: fake)
    return fake


async def route(text: str, slots: dict[str, Any] | None = None) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = await second_look.ActionRoutePlaceRequest().run(
        dispatcher, tracker(text, "find_place", slots), {}
    )
    return dispatcher.messages, events


async def test_a_how_to_question_naming_a_place_is_answered(app: FakeApp) -> None:
    app.hit = PRINTING
    messages, events = await route("Wie kann ich in der Bücherei einen Ausdruck machen?")
    assert messages[0]["custom"]["article_id"] == "drucken"
    assert SlotSet("current_article", "drucken") in events
    # The need is kept: a Stadtbezirk said next finds places for printing.
    assert SlotSet("place_request", "Wie kann ich in der Bücherei einen Ausdruck machen?") in events
    assert events[-1] == FollowupAction("action_listen")
    # Looked once without recording, then recorded once as answered demand.
    assert [(record, sender) for _, record, sender in app.searches] == [
        (False, None),
        (True, "pseudonym"),
    ]


async def test_a_how_to_question_without_a_confident_article_starts_the_place_form(
    app: FakeApp,
) -> None:
    messages, events = await route("wie kann ich hier irgendwo was ausdrucken")
    assert messages == [] and events == [FollowupAction("place_form")]
    assert [record for _, record, _ in app.searches] == [False]  # nothing recorded


async def test_a_where_question_or_a_named_district_starts_the_place_form(app: FakeApp) -> None:
    app.hit = PRINTING
    assert (await route("wo kann ich drucken"))[1] == [FollowupAction("place_form")]
    app.bezirk = "Hörde"
    assert (await route("wie kann ich in hörde drucken"))[1] == [FollowupAction("place_form")]
    assert app.searches == []


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("könnte jemand zu mir nach hause kommen, der fernseher will ins internet", {}),
        ("Brauche doch Hilfe.", {"current_article": "wlan-verbinden"}),
        ("gerade ruft einer von der bank an und will meine pin", {}),
    ],
)
async def test_a_case_for_a_person_hands_over(
    app: FakeApp, text: str, slots: dict[str, Any]
) -> None:
    assert (await route(text, slots))[1] == [FollowupAction("action_start_handoff")]


async def test_a_help_request_without_an_answer_before_is_a_place_search(app: FakeApp) -> None:
    assert (await route("Brauche doch Hilfe."))[1] == [FollowupAction("place_form")]


async def out_of_scope(text: str) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = await second_look.ActionOutOfScope().run(dispatcher, tracker(text, "out_of_scope"), {})
    return dispatcher.messages, events


async def test_a_short_off_topic_message_is_told_what_diodo_knows(app: FakeApp) -> None:
    app.hit = PRINTING
    messages, events = await out_of_scope("wer wird deutscher meister")
    assert [m["response"] for m in messages] == ["utter_out_of_scope"] and events == [LISTEN]
    assert app.searches == []


async def test_a_long_question_the_nlu_missed_is_answered_from_the_articles(app: FakeApp) -> None:
    app.hit = PRINTING
    text = (
        "Guten Abend, ich bin schon älter und mein Sohn schickt mir Briefe, die ich gern "
        "auf Papier hätte. Wie bekomme ich die in der Bücherei ausgedruckt?"
    )
    messages, events = await out_of_scope(text)
    assert messages[0]["custom"]["article_id"] == "drucken"
    assert SlotSet("current_article", "drucken") in events


async def test_a_long_off_topic_message_without_an_article_is_still_out_of_scope(
    app: FakeApp,
) -> None:
    text = "Meine Rosen im Garten bekommen dieses Jahr gelbe Blätter, was soll ich da tun?"
    messages, _ = await out_of_scope(text)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


async def test_an_incident_or_a_place_wish_is_not_out_of_scope(app: FakeApp) -> None:
    story = "Jemand hat mein Facebook gehackt und schreibt meinen Freunden, ich bin ratlos"
    assert (await out_of_scope(story))[1] == [FollowupAction("action_start_handoff")]
    app.bezirk = "Mengede"
    text = "Ich lebe seit vierzig Jahren in Mengede und suche Hilfe mit meinem Tablet"
    _messages, events = await out_of_scope(text)
    assert SlotSet("stadtbezirk", "Mengede") in events and app.routes


@pytest.mark.parametrize(
    ("text", "intent", "response"),
    [
        ("vielen dank, das war hilfreich", "thanks", "utter_youre_welcome"),
        ("👍", "affirm", "utter_affirm_ack"),
        ("ja gut", "affirm", "utter_affirm_ack"),
    ],
)
async def test_thanks_and_yes_are_acknowledged(text: str, intent: str, response: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await second_look.ActionAcknowledge().run(dispatcher, tracker(text, intent), {})
    assert [m["response"] for m in dispatcher.messages] == [response] and events == [LISTEN]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("und wo ist parken am günstigsten", "thanks"),
        ("?????", "affirm"),
        ("ja wie geht das", "affirm"),
    ],
)
async def test_a_message_only_taken_for_thanks_or_yes_is_answered_as_a_question(
    text: str, intent: str
) -> None:
    dispatcher = CollectingDispatcher()
    events = await second_look.ActionAcknowledge().run(dispatcher, tracker(text, intent), {})
    assert dispatcher.messages == [] and events == [FollowupAction("action_answer_howto")]


@pytest.mark.parametrize(
    ("text", "intent", "response"),
    [
        ("Sie sind ja wohl ein völlig nutzloser Automat!", "bot_challenge", "utter_insult"),
        ("du bist so was von bescheuert", "bot_challenge", "utter_insult"),
        ("bist du ein echter mensch", "bot_challenge", "utter_iamabot"),
        ("Rede ich hier mit einem Programm?", "bot_challenge", "utter_iamabot"),
    ],
)
async def test_an_angry_word_at_diodo_gets_a_calm_answer_not_who_it_is(
    text: str, intent: str, response: str
) -> None:
    dispatcher = CollectingDispatcher()
    events = await second_look.ActionBotChallenge().run(dispatcher, tracker(text, intent), {})
    assert [m["response"] for m in dispatcher.messages] == [response] and events == [LISTEN]


async def test_thanks_with_an_insult_is_not_welcomed() -> None:
    dispatcher = CollectingDispatcher()
    text = "danke für gar nichts du doofer bot"
    events = await second_look.ActionAcknowledge().run(dispatcher, tracker(text, "thanks"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_insult"] and events == [LISTEN]


async def test_a_wish_to_learn_with_a_district_in_sms_words_lists_places(app: FakeApp) -> None:
    app.bezirk = "Hörde"
    text = "wo lern ich dat mit online banking in hörde"
    _messages, events = await out_of_scope(text)
    assert SlotSet("stadtbezirk", "Hörde") in events and app.routes
