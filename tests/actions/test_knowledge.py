"""Leichte Sprache on and off, and feedback per article, with a fake app client."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.app_client import AppUnavailable, KnowledgeHit

WLAN = KnowledgeHit(
    "wlan-verbinden", "WLAN", "Lange Antwort.", 1.0, True, sms="Kurz.", easy="Ganz einfach."
)


def tracker(
    intent: str, slots: dict[str, Any], channel: str | None = "telegram", text: str = "x"
) -> Tracker:
    metadata = {"channel": channel} if channel else {}
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym",
            "slots": slots,
            "latest_message": {"text": text, "intent": {"name": intent}, "metadata": metadata},
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


class FakeApp:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.feedback: list[tuple[str, bool, str]] = []
        self.senders: list[str | None] = []

    async def get_article(self, article_id: str) -> KnowledgeHit | None:
        if self.fail:
            raise AppUnavailable("down")
        return WLAN if article_id == WLAN.id else None

    async def record_feedback(
        self,
        article_id: str,
        helpful: bool,
        channel: str,
        *,
        sender: str | None = None,
        stadtbezirk: str | None = None,
    ) -> None:
        if self.fail:
            raise AppUnavailable("down")
        self.feedback.append((article_id, helpful, channel))
        self.senders.append(sender)


async def run(action: Any, track: Tracker, app: FakeApp, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(knowledge, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, track, {})
    return dispatcher.messages, events


async def test_einfacher_sends_the_current_article_again_in_leichte_sprache(monkeypatch):
    messages, events = await run(
        knowledge.ActionUseEasyLanguage(),
        tracker("simpler", {"current_article": "wlan-verbinden"}),
        FakeApp(),
        monkeypatch,
    )
    assert [m.get("response") for m in messages] == [
        "utter_easy_language_on",
        None,
        "utter_howto_followup_easy",
    ]
    assert messages[1]["custom"] == {
        "type": "article",
        "article_id": "wlan-verbinden",
        "form": "easy",
        "text": "Ganz einfach.",
    }
    assert events == [SlotSet("easy_language", True)]


async def test_einfacher_without_an_article_asks_for_the_question(monkeypatch):
    for app in (FakeApp(), FakeApp(fail=True)):
        messages, events = await run(
            knowledge.ActionUseEasyLanguage(), tracker("simpler", {}), app, monkeypatch
        )
        assert [m["response"] for m in messages] == [
            "utter_easy_language_on",
            "utter_easy_language_question",
        ]
        assert events == [SlotSet("easy_language", True)]


async def test_normal_language_switches_back(monkeypatch):
    messages, events = await run(
        knowledge.ActionUseNormalLanguage(),
        tracker("normal_language", {"easy_language": True}, text="wieder normale sprache bitte"),
        FakeApp(),
        monkeypatch,
    )
    assert [m["response"] for m in messages] == ["utter_normal_language_on"]
    assert events == [SlotSet("easy_language", False)]


async def test_helpful_is_recorded_for_the_current_article_and_channel(monkeypatch):
    app = FakeApp()
    messages, events = await run(
        knowledge.ActionRecordFeedback(),
        tracker("article_helpful", {"current_article": "wlan-verbinden"}, channel="sms"),
        app,
        monkeypatch,
    )
    assert app.feedback == [("wlan-verbinden", True, "sms")]
    assert app.senders == ["pseudonym"]  # keys the pseudonymous demand event
    assert [m["response"] for m in messages] == ["utter_feedback_thanks"]
    assert events == [SlotSet("feedback_article", "wlan-verbinden")]


async def test_a_second_press_for_the_same_article_is_not_counted_again(monkeypatch):
    app = FakeApp()
    slots = {"current_article": "wlan-verbinden", "feedback_article": "wlan-verbinden"}
    messages, events = await run(
        knowledge.ActionRecordFeedback(), tracker("article_helpful", slots), app, monkeypatch
    )
    assert app.feedback == [] and events == []
    assert [m["response"] for m in messages] == ["utter_feedback_thanks"]
    slots["current_article"] = "apps-loeschen"  # the next article: counted again
    await run(knowledge.ActionRecordFeedback(), tracker("article_helpful", slots), app, monkeypatch)
    assert app.feedback == [("apps-loeschen", True, "telegram")]


@pytest.mark.parametrize(
    "text",
    ["klappt immer noch nicht, ich brauch hilfe", "nein das bringt nichts, kann jemand helfen"],
)
async def test_not_helpful_with_a_request_for_help_hands_over_at_once(monkeypatch, text):
    app = FakeApp()
    slots = {"current_article": "wlan-verbinden"}
    messages, events = await run(
        knowledge.ActionRecordFeedback(),
        tracker("article_not_helpful", slots, text=text),
        app,
        monkeypatch,
    )
    assert app.feedback == [("wlan-verbinden", False, "telegram")]
    assert messages == []
    assert FollowupAction("action_start_handoff") in events


async def test_not_helpful_offers_simpler_words_a_place_or_a_human(monkeypatch):
    app = FakeApp()
    messages, _ = await run(
        knowledge.ActionRecordFeedback(),
        tracker("article_not_helpful", {"current_article": "wlan-verbinden"}),
        app,
        monkeypatch,
    )
    assert app.feedback == [("wlan-verbinden", False, "telegram")]
    assert [m["response"] for m in messages] == ["utter_feedback_sorry"]
    messages, _ = await run(
        knowledge.ActionRecordFeedback(),
        tracker(
            "article_not_helpful", {"current_article": "wlan-verbinden", "easy_language": True}
        ),
        app,
        monkeypatch,
    )
    assert [m["response"] for m in messages] == ["utter_feedback_sorry_easy"]


async def test_feedback_without_article_or_app_still_gets_an_answer(monkeypatch):
    app = FakeApp()
    messages, _ = await run(
        knowledge.ActionRecordFeedback(), tracker("article_helpful", {}, None), app, monkeypatch
    )
    assert app.feedback == [] and [m["response"] for m in messages] == ["utter_feedback_thanks"]
    messages, _ = await run(
        knowledge.ActionRecordFeedback(),
        tracker("article_not_helpful", {"current_article": "wlan-verbinden"}),
        FakeApp(fail=True),
        monkeypatch,
    )
    assert [m["response"] for m in messages] == ["utter_feedback_sorry"]


async def test_a_question_the_nlu_took_for_normal_language_is_answered(monkeypatch):
    """ "Und wie komme ich aus so einer Gruppe ganz raus?" is a question, not a wish for
    the normal form: the how-to action answers, the form stays."""
    question = "und wie komme ich aus so einer gruppe ganz raus"
    t = tracker("normal_language", {"easy_language": True}, text=question)
    messages, events = await run(knowledge.ActionUseNormalLanguage(), t, FakeApp(), monkeypatch)
    assert messages == [] and events == [FollowupAction("action_answer_howto")]
