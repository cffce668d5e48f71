"""action_answer_howto with an in-memory tracker and a fake app client."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import howto
from actions.app_client import (
    AppClient,
    AppUnavailable,
    KnowledgeHit,
    KnowledgeResult,
    PlaceFound,
    PlaceRouting,
)
from actions.config import ActionSettings


def tracker(
    text: str,
    *,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    intent: str = "ask_howto",
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym",
            "slots": dict(slots or {}),
            "latest_message": {
                "text": text,
                "intent": {"name": intent},
                "entities": entities or [],
                "metadata": {"channel": "sms"},
            },
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


class FakeApp:
    def __init__(
        self, hits: list[KnowledgeHit], fail: bool = False, outcome: str | None = None
    ) -> None:
        self.hits = hits
        self.fail = fail
        self.outcome = outcome
        self.queries: list[str] = []
        self.senders: list[str | None] = []
        self.fetched: list[str] = []

    async def answer_question(
        self, question: str, *, sender: str | None = None, stadtbezirk: str | None = None
    ) -> KnowledgeResult:
        self.queries.append(question)
        self.senders.append(sender)
        if self.fail:
            raise AppUnavailable("down")
        outcome = self.outcome or ("answer" if self.hits and self.hits[0].confident else "none")
        return KnowledgeResult(outcome, self.hits)

    async def get_article(self, article_id: str) -> KnowledgeHit | None:
        self.fetched.append(article_id)
        if self.fail:
            raise AppUnavailable("down")
        return next((hit for hit in self.hits if hit.id == article_id), None)


async def run(
    text: str, app: FakeApp, monkeypatch: pytest.MonkeyPatch, **kwargs: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    monkeypatch.setattr(howto, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await howto.ActionAnswerHowto().run(dispatcher, tracker(text, **kwargs), {})
    # Besides the article slot, only the unanswered-question counter of actions.human
    # changes (see test_human.py).
    return dispatcher.messages, [e for e in events if e.get("name") != "failed_answers"]


PHOTO = KnowledgeHit(
    "foto",
    "Ein Foto machen",
    "Erstens.\n\nZweitens.",
    0.9,
    True,
    sms="Foto: Kamera.",
    easy="Kamera.",
)
LISTEN = FollowupAction("action_listen")
SMS = KnowledgeHit("sms-betrug", "Betrug per SMS", "Nicht klicken.", 0.3, False)
SPAM = KnowledgeHit("spam-mails", "Werbung im Postfach", "Filter.", 0.2, False)


async def test_confident_hit_is_sent_whole_as_an_article_then_the_follow_up(monkeypatch):
    app = FakeApp([PHOTO])
    messages, events = await run("wie mache ich ein foto", app, monkeypatch)
    assert app.queries == ["wie mache ich ein foto"]
    assert messages[0]["custom"] == {
        "type": "article",
        "article_id": "foto",
        "form": "standard",
        "text": "Erstens.\n\nZweitens.",
        "sms": "Foto: Kamera.",
    }
    assert messages[1]["response"] == "utter_howto_followup"
    assert len(messages) == 2
    # The turn ends here: no policy may add a fallback text after the answer.
    assert events == [SlotSet("current_article", "foto"), LISTEN]


async def test_in_leichte_sprache_the_easy_form_and_its_follow_up_are_sent(monkeypatch):
    messages, _ = await run(
        "wie mache ich ein foto", FakeApp([PHOTO]), monkeypatch, slots={"easy_language": True}
    )
    assert messages[0]["custom"] == {
        "type": "article",
        "article_id": "foto",
        "form": "easy",
        "text": "Kamera.",
    }
    assert messages[1]["response"] == "utter_howto_followup_easy"


async def test_unsure_hits_are_offered_as_choices_not_as_the_answer(monkeypatch):
    app = FakeApp([SMS, SPAM], outcome="choices")
    messages, events = await run("irgendwas mit nachrichten", app, monkeypatch)
    assert [m["response"] for m in messages] == ["utter_howto_choices"]
    assert messages[0]["buttons"] == [
        {"title": "Betrug per SMS", "payload": '/ask_howto{"article_id":"sms-betrug"}'},
        {"title": "Werbung im Postfach", "payload": '/ask_howto{"article_id":"spam-mails"}'},
    ]
    assert events == [LISTEN]


async def test_a_chosen_article_is_fetched_by_id_not_searched(monkeypatch):
    app = FakeApp([PHOTO, SMS])
    messages, events = await run(
        '/ask_howto{"article_id":"sms-betrug"}',
        app,
        monkeypatch,
        entities=[{"entity": "article_id", "value": "sms-betrug"}],
    )
    assert app.queries == [] and app.fetched == ["sms-betrug"]
    assert messages[0]["custom"]["article_id"] == "sms-betrug"
    assert events == [SlotSet("current_article", "sms-betrug"), LISTEN]


async def test_every_choice_payload_fits_telegrams_callback_data():
    from knowledge import default_articles_dir

    longest = max((p.stem for p in default_articles_dir().glob("*.md")), key=len)
    assert len(howto.choice_payload(longest).encode()) <= 64


async def test_no_fit_and_app_down_both_say_honestly_not_found(monkeypatch):
    messages, _ = await run("asdf", FakeApp([]), monkeypatch)
    assert [m["response"] for m in messages] == ["utter_howto_not_found"]
    down = FakeApp([PHOTO], fail=True)
    messages, _ = await run("foto", down, monkeypatch)
    assert [m["response"] for m in messages] == ["utter_howto_not_found"]


async def test_button_payloads_are_not_searched(monkeypatch):
    app = FakeApp([PHOTO])
    messages, _ = await run("/ask_howto", app, monkeypatch)
    assert app.queries == []
    assert [m["response"] for m in messages] == ["utter_howto_not_found"]


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Recorder.seen.append(
            {"path": self.path, "auth": self.headers["Authorization"], "body": body}
        )
        payload = json.dumps(
            {
                "results": [
                    {
                        "id": "foto",
                        "title": "Foto",
                        "answer": "A",
                        "sms": "S",
                        "score": 3.0,
                        "confidence": 0.8,
                        "confident": True,
                    }
                ],
                "outcome": "answer",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


async def test_app_client_calls_the_internal_api_with_the_shared_token():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        client = AppClient(
            ActionSettings(app_url=url, internal_api_token="s3cret", timeout_seconds=5)
        )
        hits = await client.search_knowledge("foto", limit=2)
        result = await client.answer_question("foto bitte", sender="pseudo", stadtbezirk="Eving")
    finally:
        server.shutdown()
    assert hits == [KnowledgeHit("foto", "Foto", "A", 0.8, True, sms="S")]
    assert result == KnowledgeResult("answer", hits)
    assert _Recorder.seen == [
        {
            "path": "/internal/knowledge/search",
            "auth": "Bearer s3cret",
            "body": {"query": "foto", "limit": 2},
        },
        {
            "path": "/internal/knowledge/search",
            "auth": "Bearer s3cret",
            "body": {
                "query": "foto bitte",
                "limit": 3,
                "record_unanswered": True,
                "sender": "pseudo",
                "stadtbezirk": "Eving",
            },
        },
    ]


class FakeAppWithPlaces(FakeApp):
    def __init__(self, hits: list[KnowledgeHit]) -> None:
        super().__init__(hits)
        self.routes: list[dict[str, Any]] = []

    async def route_places(self, **kwargs: Any) -> PlaceRouting:
        self.routes.append(kwargs)
        place = PlaceFound(
            "Stadtteilbibliothek Hörde", "Hörde", ["heute 10-18 Uhr geöffnet"], "", True
        )
        return PlaceRouting("Hörde", False, None, [place], None)


async def test_answer_ends_with_a_place_in_the_known_district(monkeypatch):
    app = FakeAppWithPlaces([PHOTO])
    monkeypatch.setattr(howto, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    track = tracker("wie mache ich ein foto")
    track.slots["stadtbezirk"] = "Hörde"
    await howto.ActionAnswerHowto().run(dispatcher, track, {})
    assert [m.get("response") for m in dispatcher.messages] == [
        None,
        "utter_howto_followup",
        "utter_howto_place",
    ]
    assert dispatcher.messages[2]["name"] == "Stadtteilbibliothek Hörde"
    assert app.routes[0]["stadtbezirk"] == "Hörde" and app.routes[0]["limit"] == 1


async def test_a_long_question_that_asks_for_a_person_hands_over_unsearched(monkeypatch):
    """Issue 12, class 4: the NLU said how-to, the citizen asked for a person."""
    app = FakeApp([PHOTO])
    text = "Das Foto klappt nicht. Kann mir nicht ein Mensch dabei helfen?"
    messages, events = await run(text, app, monkeypatch)
    assert app.queries == [] and messages == []
    assert events == [FollowupAction("action_start_handoff")]


async def test_a_previous_article_is_remembered_for_zurueck(monkeypatch):
    app = FakeApp([PHOTO])
    _, events = await run(
        "wie mache ich ein foto", app, monkeypatch, slots={"current_article": "x"}
    )
    assert events[0] == SlotSet("previous_article", "x")
    assert SlotSet("current_article", "foto") in events


class ContextApp(FakeApp):
    """Unsure for the bare follow-up, sure once the topic of the last answer is added."""

    def __init__(self) -> None:
        super().__init__([PHOTO])
        self.records: list[bool] = []

    async def answer_question(
        self,
        question: str,
        *,
        sender: str | None = None,
        stadtbezirk: str | None = None,
        record: bool = True,
    ) -> KnowledgeResult:
        self.queries.append(question)
        self.records.append(record)
        if "(" in question:
            return KnowledgeResult("answer", [PHOTO])
        return KnowledgeResult("choices", [SMS, SPAM])


async def test_an_unsure_follow_up_is_searched_again_with_the_topic_of_the_last_answer(
    monkeypatch,
):
    app = ContextApp()
    monkeypatch.setattr(howto, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    t = tracker("und geht das auch mit dem tablet?", slots={"current_article": "foto-machen"})
    events = await howto.ActionAnswerHowto().run(dispatcher, t, {})
    assert app.queries == [
        "und geht das auch mit dem tablet?",
        "und geht das auch mit dem tablet? (foto machen)",
    ]
    assert app.records == [True, False]  # the second look records nothing
    assert dispatcher.messages[0]["custom"]["article_id"] == "foto"
    assert SlotSet("current_article", "foto") in events


async def test_inside_a_form_the_form_goes_on_after_the_answer(monkeypatch):
    monkeypatch.setattr(howto, "get_app_client", lambda: FakeApp([SMS, SPAM]))
    in_form = tracker("wie erkenne ich betrug")
    in_form.active_loop = {"name": "place_form"}
    events = await howto.ActionAnswerHowto().run(CollectingDispatcher(), in_form, {})
    assert LISTEN not in events
