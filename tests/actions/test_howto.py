"""action_answer_howto with an in-memory tracker and a fake app client."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import howto
from actions.app_client import (
    AppClient,
    AppUnavailable,
    KnowledgeHit,
    PlaceFound,
    PlaceRouting,
)
from actions.config import ActionSettings


def tracker(text: str) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym",
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": "ask_howto"}},
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


class FakeApp:
    def __init__(self, hits: list[KnowledgeHit], fail: bool = False) -> None:
        self.hits = hits
        self.fail = fail
        self.queries: list[str] = []

    async def search_knowledge(self, query: str, limit: int = 3) -> list[KnowledgeHit]:
        self.queries.append(query)
        if self.fail:
            raise AppUnavailable("down")
        return self.hits


async def run(text: str, app: FakeApp, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setattr(howto, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await howto.ActionAnswerHowto().run(dispatcher, tracker(text), {})
    # Only the unanswered-question counter of actions.human changes (see test_human.py).
    assert [event["name"] for event in events] == ["failed_answers"]
    return dispatcher.messages


PHOTO = KnowledgeHit("foto", "Ein Foto machen", "Erstens.\n\nZweitens.", 0.9, True)


async def test_confident_hit_is_sent_whole_as_an_article_then_the_follow_up(monkeypatch):
    app = FakeApp([PHOTO])
    messages = await run("wie mache ich ein foto", app, monkeypatch)
    assert app.queries == ["wie mache ich ein foto"]
    assert messages[0]["custom"] == {
        "type": "article",
        "article_id": "foto",
        "text": "Erstens.\n\nZweitens.",
    }
    assert messages[1]["response"] == "utter_howto_followup"
    assert len(messages) == 2


async def test_unsure_hit_is_not_presented_as_the_answer(monkeypatch):
    unsure = KnowledgeHit("foto", "Ein Foto machen", "Text", 0.3, False)
    messages = await run("irgendwas mit handy", FakeApp([unsure]), monkeypatch)
    assert [m["response"] for m in messages] == ["utter_howto_not_found"]


async def test_no_hits_and_app_down_both_say_not_found(monkeypatch):
    assert [m["response"] for m in await run("asdf", FakeApp([]), monkeypatch)] == [
        "utter_howto_not_found"
    ]
    down = FakeApp([PHOTO], fail=True)
    assert [m["response"] for m in await run("foto", down, monkeypatch)] == [
        "utter_howto_not_found"
    ]


async def test_button_payloads_are_not_searched(monkeypatch):
    app = FakeApp([PHOTO])
    messages = await run("/ask_howto", app, monkeypatch)
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
                ]
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
    finally:
        server.shutdown()
    assert hits == [KnowledgeHit("foto", "Foto", "A", 0.8, True)]
    assert _Recorder.seen == [
        {
            "path": "/internal/knowledge/search",
            "auth": "Bearer s3cret",
            "body": {"query": "foto", "limit": 2},
        }
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
        "utter_howto_place",
        "utter_howto_followup",
    ]
    assert dispatcher.messages[1]["name"] == "Stadtteilbibliothek Hörde"
    assert app.routes[0]["stadtbezirk"] == "Hörde" and app.routes[0]["limit"] == 1
