"""Place actions with an in-memory tracker and a fake app client."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import places
from actions.app_client import AppUnavailable, Location, PlaceFound, PlaceRouting


def tracker(
    text: str, slots: dict[str, Any], entities: list[dict[str, Any]] | None = None
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym",
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": "inform"},
                "entities": entities or [],
            },
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {"name": "place_form"},
            "latest_action_name": "action_listen",
        }
    )


class FakeApp:
    def __init__(
        self,
        *,
        bezirk: str | None = None,
        routing: PlaceRouting | None = None,
        fail: bool = False,
        candidates: tuple[str, ...] = (),
    ) -> None:
        self.bezirk = bezirk
        self.candidates = candidates
        self.routing = routing
        self.fail = fail
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def locate(self, text: str, postcode: str | None = None) -> Location:
        self.calls.append(("resolve", {"text": text, "postcode": postcode}))
        if self.fail:
            raise AppUnavailable("down")
        return Location(self.bezirk, self.candidates, len(self.candidates) > 1, postcode)

    async def place_details(self, keys: list[str], question: str) -> list[str]:
        self.calls.append(("details", {"keys": keys, "question": question}))
        if self.fail:
            raise AppUnavailable("down")
        return [f"{key}: Di 10:00-12:00" for key in keys]

    async def route_places(self, **kwargs: Any) -> PlaceRouting:
        self.calls.append(("route", kwargs))
        if self.fail:
            raise AppUnavailable("down")
        assert self.routing is not None
        return self.routing


HOERDE = PlaceFound(
    "Seniorenbüro Hörde (Beispiel)",
    "Hörde",
    ["in Hörde", "morgen 14–16 Uhr Sprechstunde"],
    "sms",
    True,
)


async def test_postcode_fills_the_stadtbezirk_through_the_app(monkeypatch: pytest.MonkeyPatch):
    app = FakeApp(bezirk="Hörde")
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    slots = await places.ValidatePlaceForm().extract_stadtbezirk(
        CollectingDispatcher(),
        tracker(
            "44263", {"requested_slot": "stadtbezirk"}, [{"entity": "postcode", "value": "44263"}]
        ),
        {},
    )
    assert slots == {"stadtbezirk": "Hörde"}
    assert app.calls == [("resolve", {"text": "44263", "postcode": "44263"})]


async def test_unknown_or_ambiguous_place_leaves_the_slot_empty(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(places, "get_app_client", lambda: FakeApp(bezirk=None))
    slots = await places.ValidatePlaceForm().extract_stadtbezirk(
        CollectingDispatcher(), tracker("irgendwo", {"requested_slot": "stadtbezirk"}), {}
    )
    assert slots == {}


async def test_a_location_in_the_question_that_starts_the_form_is_used(
    monkeypatch: pytest.MonkeyPatch,
):
    """Issue 12, class 1: "ich wohne in 44339 und suche hilfe" needs no district question."""
    app = FakeApp(bezirk="Eving")
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    question = "ich wohne in 44339 und suche hilfe mit dem laptop"
    slots = await places.ValidatePlaceForm().extract_stadtbezirk(
        CollectingDispatcher(), tracker(question, {}), {}
    )
    assert slots == {"stadtbezirk": "Eving"}
    assert app.calls == [("resolve", {"text": question, "postcode": None})]


async def test_a_location_outside_a_form_is_remembered_and_places_are_offered(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(places, "get_app_client", lambda: FakeApp(bezirk="Hörde"))
    dispatcher = CollectingDispatcher()
    events = await places.ActionNoteLocation().run(dispatcher, tracker("44263", {}), {})
    assert events == [SlotSet("stadtbezirk", "Hörde")]
    assert dispatcher.messages[0]["response"] == "utter_location_noted"
    assert dispatcher.messages[0]["stadtbezirk"] == "Hörde"


async def test_a_location_said_with_a_need_names_the_places_at_once(
    monkeypatch: pytest.MonkeyPatch,
):
    """Issue 12: "computer hilfe in aplerbeck" wants places, not the question whether."""
    app = FakeApp(bezirk="Hörde", routing=PlaceRouting("Hörde", False, None, [HOERDE], None))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await places.ActionNoteLocation().run(
        dispatcher, tracker("computer hilfe in hörde", {}), {}
    )
    assert SlotSet("stadtbezirk", "Hörde") in events
    route = next(kwargs for name, kwargs in app.calls if name == "route")
    assert route["stadtbezirk"] == "Hörde" and route["text"] == "computer hilfe in hörde"
    assert "utter_place_result" in [m["response"] for m in dispatcher.messages]
    assert "utter_location_noted" not in [m["response"] for m in dispatcher.messages]


async def test_a_border_postcode_gets_one_short_question_between_its_districts(
    monkeypatch: pytest.MonkeyPatch,
):
    app = FakeApp(bezirk="Brackel", candidates=("Brackel", "Scharnhorst"))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await places.ActionNoteLocation().run(dispatcher, tracker("44309", {}), {})
    assert events == []
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_stadtbezirk_between"
    assert [b["title"] for b in message["buttons"]] == ["Brackel", "Scharnhorst"]


async def test_an_unknown_place_outside_a_form_is_said_honestly(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(places, "get_app_client", lambda: FakeApp(bezirk=None))
    dispatcher = CollectingDispatcher()
    assert await places.ActionNoteLocation().run(dispatcher, tracker("irgendwo", {}), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_inform_ack"


async def test_a_recognised_stadtbezirk_entity_is_not_asked_again(
    monkeypatch: pytest.MonkeyPatch,
):
    app = FakeApp(bezirk="Eving")
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    slots = await places.ValidatePlaceForm().extract_stadtbezirk(
        CollectingDispatcher(),
        tracker(
            "in hörde",
            {"requested_slot": "stadtbezirk"},
            [{"entity": "stadtbezirk", "value": "Hörde"}],
        ),
        {},
    )
    assert slots == {}
    assert app.calls == []


async def test_find_place_names_places_with_reasons_and_marks_example_data(
    monkeypatch: pytest.MonkeyPatch,
):
    app = FakeApp(routing=PlaceRouting("Hörde", False, None, [HOERDE], None))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await places.ActionFindPlace().run(
        dispatcher,
        tracker(
            "44263",
            {"place_request": "Hilfe mit dem Tablet", "stadtbezirk": "Hörde", "postcode": "44263"},
        ),
        {},
    )
    assert app.calls == [
        (
            "route",
            {
                "text": "Hilfe mit dem Tablet",
                "stadtbezirk": "Hörde",
                "postcode": "44263",
                "offset": 0,
                "sender": "pseudonym",  # the app records a pseudonymous demand event
            },
        )
    ]
    assert dispatcher.messages[0]["response"] == "utter_place_result"
    assert dispatcher.messages[0]["name"] == "Seniorenbüro Hörde (Beispiel)"
    assert dispatcher.messages[0]["reasons"] == "in Hörde, morgen 14–16 Uhr Sprechstunde"
    assert dispatcher.messages[-1]["response"] == "utter_place_example_notice"
    assert events == [SlotSet("place_offset", None), SlotSet("shown_places", [])]


async def test_more_places_continues_where_the_last_search_ended(
    monkeypatch: pytest.MonkeyPatch,
):
    app = FakeApp(routing=PlaceRouting("Hörde", False, None, [HOERDE], 3))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await places.ActionMorePlaces().run(
        dispatcher, tracker("andere orte", {"place_offset": 1.0, "stadtbezirk": "Hörde"}), {}
    )
    assert app.calls[0][1]["offset"] == 1
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_place_result",
        "utter_place_example_notice",
        "utter_place_more_offer",
    ]
    assert events == [SlotSet("place_offset", 3.0), SlotSet("shown_places", [])]


async def test_more_places_without_a_search_says_there_are_none(monkeypatch: pytest.MonkeyPatch):
    app = FakeApp()
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    assert await places.ActionMorePlaces().run(dispatcher, tracker("andere orte", {}), {}) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_place_no_more"]
    assert app.calls == []


async def test_find_place_says_so_when_nothing_fits_or_the_app_is_down(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(
        places, "get_app_client", lambda: FakeApp(routing=PlaceRouting(None, False, None, [], None))
    )
    dispatcher = CollectingDispatcher()
    await places.ActionFindPlace().run(dispatcher, tracker("x", {}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_place_none"]
    monkeypatch.setattr(places, "get_app_client", lambda: FakeApp(fail=True))
    dispatcher = CollectingDispatcher()
    await places.ActionFindPlace().run(dispatcher, tracker("x", {}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_place_unavailable"]


async def test_a_follow_up_is_answered_for_the_places_shown(monkeypatch: pytest.MonkeyPatch):
    """Issue 12, class 2: "Und wann haben die offen?" after two places were named."""
    app = FakeApp()
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    question = "und wann haben die offen"
    await places.ActionPlaceDetails().run(
        dispatcher, tracker(question, {"shown_places": ["a", "b"]}), {}
    )
    assert app.calls == [("details", {"keys": ["a", "b"], "question": question})]
    assert dispatcher.messages[0]["text"] == "a: Di 10:00-12:00\nb: Di 10:00-12:00"


async def test_a_where_question_without_places_shown_is_a_how_to_question(
    monkeypatch: pytest.MonkeyPatch,
):
    """ "wo finde ich die PUK?" with no places named before: the how-to action answers."""
    app = FakeApp()
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    events = await places.ActionPlaceDetails().run(
        dispatcher, tracker("wo finde ich die puk", {}), {}
    )
    assert events == [FollowupAction("action_answer_howto")]
    assert dispatcher.messages == [] and app.calls == []


async def test_named_places_are_remembered_for_follow_ups(monkeypatch: pytest.MonkeyPatch):
    shown = PlaceFound("Ort A", "Hörde", ["in Hörde"], "sms", False, key="ort-a")
    app = FakeApp(routing=PlaceRouting("Hörde", False, None, [shown], None))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    events = await places.ActionFindPlace().run(
        CollectingDispatcher(), tracker("hilfe", {"stadtbezirk": "Hörde"}), {}
    )
    assert SlotSet("shown_places", ["ort-a"]) in events


async def test_a_location_that_goes_on_from_the_earlier_need_names_places_for_it(
    monkeypatch: pytest.MonkeyPatch,
):
    """ "Gibt es sowas auch in Hörde?" after a printing question: places for printing."""
    app = FakeApp(bezirk="Hörde", routing=PlaceRouting("Hörde", False, None, [HOERDE], None))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    earlier = {"place_request": "wie kann ich in der bücherei drucken"}
    events = await places.ActionNoteLocation().run(
        CollectingDispatcher(), tracker("gibt es sowas auch in hörde", earlier), {}
    )
    route = next(kwargs for name, kwargs in app.calls if name == "route")
    assert route["text"] == "wie kann ich in der bücherei drucken"
    assert SlotSet("place_request", "wie kann ich in der bücherei drucken") in events
    # Only saying where one lives, with nothing to go on from, is noted and asked.
    app.calls.clear()
    dispatcher = CollectingDispatcher()
    await places.ActionNoteLocation().run(dispatcher, tracker("hörde", earlier), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_location_noted"]
    assert not [name for name, _ in app.calls if name == "route"]


INNENSTADT = ("Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost")


async def test_a_name_of_several_districts_is_asked_about_not_taken_for_one(
    monkeypatch: pytest.MonkeyPatch,
):
    # The NLU maps "Innenstadt" to Innenstadt-West; the app knows it is three.
    app = FakeApp(bezirk="Innenstadt-West", candidates=INNENSTADT)
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    said = tracker(
        "Wo gibt es in der City Hilfe am Computer?",
        {"requested_slot": None},
        [{"entity": "stadtbezirk", "value": "Innenstadt-West"}],
    )
    form = places.ValidatePlaceForm()
    slots = await form.validate_stadtbezirk("Innenstadt-West", CollectingDispatcher(), said, {})
    assert slots == {"stadtbezirk": None}
    # Without the entity (the NLU missed it) nothing is filled either.
    plain = tracker("Wo gibt es in der City Hilfe am Computer?", {"requested_slot": None})
    assert await form.extract_stadtbezirk(CollectingDispatcher(), plain, {}) == {}
    # The form's question then offers only the three.
    for message in (said, plain):
        dispatcher = CollectingDispatcher()
        assert await places.ActionAskStadtbezirk().run(dispatcher, message, {}) == []
        assert dispatcher.messages[0]["response"] == "utter_ask_stadtbezirk_among"
        assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == list(INNENSTADT)


async def test_a_district_said_plainly_or_by_button_is_kept(monkeypatch: pytest.MonkeyPatch):
    app = FakeApp(bezirk="Hörde", candidates=("Hörde",))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    form = places.ValidatePlaceForm()
    entity = [{"entity": "stadtbezirk", "value": "Hörde"}]
    for text in ("ich wohne in hörde", '/inform{"stadtbezirk": "Hörde"}'):
        slots = await form.validate_stadtbezirk(
            "Hörde", CollectingDispatcher(), tracker(text, {}, entity), {}
        )
        assert slots == {"stadtbezirk": "Hörde"}
    app.bezirk, app.candidates = None, ()
    dispatcher = CollectingDispatcher()
    assert await places.ActionAskStadtbezirk().run(dispatcher, tracker("hilfe", {}), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_ask_stadtbezirk"


async def test_a_name_of_several_districts_outside_the_form_gets_the_question_too(
    monkeypatch: pytest.MonkeyPatch,
):
    app = FakeApp(bezirk="Innenstadt-West", candidates=INNENSTADT)
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    dispatcher = CollectingDispatcher()
    said = tracker("ich wohn in der stadtmitte", {}, [{"entity": "stadtbezirk", "value": "x"}])
    assert await places.ActionNoteLocation().run(dispatcher, said, {}) == []
    assert dispatcher.messages[0]["response"] == "utter_ask_stadtbezirk_among"


async def test_places_named_after_the_form_end_the_turn(monkeypatch: pytest.MonkeyPatch):
    app = FakeApp(routing=PlaceRouting("Hörde", False, None, [HOERDE], None))
    monkeypatch.setattr(places, "get_app_client", lambda: app)
    done = tracker("hörde", {"place_request": "Hilfe", "stadtbezirk": "Hörde"})
    done.active_loop = {}  # the form has just ended
    events = await places.ActionFindPlace().run(CollectingDispatcher(), done, {})
    assert events[-1] == FollowupAction("action_listen")
    # Still inside the form (a question between its steps), the form goes on.
    events = await places.ActionFindPlace().run(CollectingDispatcher(), tracker("x", {}), {})
    assert FollowupAction("action_listen") not in events
