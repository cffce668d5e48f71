"""Follow-ups about what the bot said last: cost, once more, back (fake app client)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import followups
from actions.app_client import KnowledgeHit

ARTICLES = {
    "bibliotheksausweis-ebooks": KnowledgeHit(
        "bibliotheksausweis-ebooks",
        "Einen Bibliotheksausweis bekommen",
        "Den Ausweis gibt es an jeder Theke.\n\n**Kosten:** Für Erwachsene kostet er "
        "20 Euro im Jahr. Kinder und Schüler bekommen ihn kostenlos.\n\n- Bringen Sie "
        "Ihren Personalausweis mit.",
        0.9,
        True,
    ),
    "wlan-verbinden": KnowledgeHit(
        "wlan-verbinden",
        "Das Handy mit dem WLAN verbinden",
        "Öffnen Sie die Einstellungen.",
        0.9,
        True,
    ),
}


class FakeApp:
    def __init__(self) -> None:
        self.details: list[tuple[list[str], str]] = []

    async def get_article(self, article_id: str) -> KnowledgeHit | None:
        return ARTICLES.get(article_id)

    async def place_details(self, keys: list[str], question: str) -> list[str]:
        self.details.append((keys, question))
        return [f"{key}: Die Hilfe bei Fragen ist dort in der Regel kostenlos." for key in keys]


def tracker(slots: dict[str, Any], events: list[dict[str, Any]] | None = None) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym",
            "slots": slots,
            "latest_message": {"text": "was kostet das", "intent": {"name": "ask_cost"}},
            "events": events or [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    fake = FakeApp()
    monkeypatch.setattr(followups, "get_app_client", lambda: fake)
    return fake


async def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_cost_after_an_article_quotes_its_sentences_about_money(app: FakeApp) -> None:
    slots = {"current_article": "bibliotheksausweis-ebooks"}
    events = [
        slot("shown_places", ["hoerde-bib"]),
        slot("current_article", "bibliotheksausweis-ebooks"),
    ]
    messages, _ = await run(followups.ActionAnswerCost(), tracker(slots, events))
    assert messages[0]["response"] == "utter_cost_from_article"
    assert messages[0]["text"] == (
        "Kosten: Für Erwachsene kostet er 20 Euro im Jahr. "
        "Kinder und Schüler bekommen ihn kostenlos."
    )
    assert app.details == []


async def test_cost_after_places_asks_the_registry_about_those_places(app: FakeApp) -> None:
    slots = {"current_article": "wlan-verbinden", "shown_places": ["hoerde-bib", "hoerde-jugend"]}
    events = [slot("current_article", "wlan-verbinden"), slot("shown_places", ["hoerde-bib"])]
    messages, _ = await run(followups.ActionAnswerCost(), tracker(slots, events))
    assert app.details == [(["hoerde-bib", "hoerde-jugend"], "was kostet das")]
    assert "kostenlos" in messages[0]["text"]


async def test_cost_of_an_article_that_names_no_price_says_so(app: FakeApp) -> None:
    slots = {"current_article": "wlan-verbinden"}
    messages, _ = await run(
        followups.ActionAnswerCost(), tracker(slots, [slot("current_article", "wlan-verbinden")])
    )
    assert messages[0]["response"] == "utter_cost_not_in_article"
    assert messages[0]["title"] == "Das Handy mit dem WLAN verbinden"


async def test_cost_with_nothing_shown_asks_what_for(app: FakeApp) -> None:
    messages, _ = await run(followups.ActionAnswerCost(), tracker({}))
    assert messages[0]["response"] == "utter_cost_what"


async def test_once_more_sends_the_current_article_again(app: FakeApp) -> None:
    messages, events = await run(
        followups.ActionRepeatArticle(), tracker({"current_article": "wlan-verbinden"})
    )
    assert any("wlan-verbinden" in str(m) for m in messages) and events == []
    nothing, _ = await run(followups.ActionRepeatArticle(), tracker({}))
    assert nothing[0]["response"] == "utter_repeat_nothing"


async def test_back_sends_the_article_before_and_swaps_the_two(app: FakeApp) -> None:
    slots = {"current_article": "wlan-verbinden", "previous_article": "bibliotheksausweis-ebooks"}
    messages, events = await run(followups.ActionPreviousArticle(), tracker(slots))
    assert any("bibliotheksausweis-ebooks" in str(m) for m in messages)
    assert events == [
        SlotSet("previous_article", "wlan-verbinden"),
        SlotSet("current_article", "bibliotheksausweis-ebooks"),
    ]
    nothing, _ = await run(followups.ActionPreviousArticle(), tracker({"current_article": "x"}))
    assert nothing[0]["response"] == "utter_back_nothing"


async def test_a_cost_question_that_names_its_thing_is_searched_in_the_articles(
    app: FakeApp,
) -> None:
    """ "Was kostet ein Leseausweis?" with nothing shown before: the how-to action answers
    (or says it does not know); only a bare "was kostet das?" asks what for."""
    t = tracker({})
    t.latest_message["text"] = "was kostet denn ein leseausweis"
    messages, events = await run(followups.ActionAnswerCost(), t)
    assert messages == [] and events == [FollowupAction("action_answer_howto")]
    assert followups.names_a_thing("was kostet n liter diesel")
    assert not followups.names_a_thing("Was kostet das denn eigentlich?")
