"""Handoff actions with an in-memory tracker and a fake app client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import human, person_request
from actions.app_client import AppUnavailable, HandoffPlan


def tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    *,
    channel: str = "web",
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    history: tuple[str, ...] = (),
) -> Tracker:
    events = [{"event": "user", "text": line} for line in (*history, text)]
    return Tracker.from_dict(
        {
            "sender_id": "pseudonym-1",
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent},
                "entities": entities or [],
                "metadata": {"channel": channel},
            },
            "events": events,
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


class FakeApp:
    def __init__(self, fail: bool = False, bezirk: str | None = None) -> None:
        self.fail = fail
        self.bezirk = bezirk
        self.previews: list[str | None] = []
        self.tickets: list[dict[str, Any]] = []

    async def preview_handoff(self, stadtbezirk: str | None) -> HandoffPlan:
        if self.fail:
            raise AppUnavailable("down")
        self.previews.append(stadtbezirk)
        return HandoffPlan("Stadtbibliothek Hörde", "morgen 10–12 Uhr Sprechstunde", None)

    async def create_ticket(self, request: dict[str, Any]) -> HandoffPlan:
        if self.fail:
            raise AppUnavailable("down")
        self.tickets.append(request)
        return HandoffPlan("Stadtbibliothek Hörde", "jetzt", 7)

    async def resolve_location(self, text: str, postcode: str | None) -> str | None:
        return self.bezirk


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    fake = FakeApp()
    monkeypatch.setattr(human, "get_app_client", lambda: fake)
    return fake


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def _start(t: Tracker) -> tuple[list[str], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await human.ActionStartHandoff().run(dispatcher, t, {})
    return [m["response"] for m in dispatcher.messages], _slots(events)


async def test_money_lost_is_urgent_with_its_topic() -> None:
    said, slots = await _start(
        tracker("Ich habe auf einen Link geklickt und jetzt fehlt Geld", "report_emergency")
    )
    assert said == ["utter_handoff_intro_urgent_geld_weg"]
    assert (slots["handoff_priority"], slots["handoff_topic"]) == ("dringend", "geld_weg")


async def test_each_urgent_topic_has_its_own_first_aid_text() -> None:
    """Hardening of issue 12, class 7: a bullied child is not told to call the bank."""
    said, _ = await _start(
        tracker("meine tochter wird in der klassengruppe fertig gemacht", "report_emergency")
    )
    assert said == ["utter_handoff_intro_urgent_cybermobbing_kind"]
    said, _ = await _start(tracker("hilfe es ist dringend", "report_emergency"))
    assert said == ["utter_handoff_intro_urgent"]  # no topic named: the general text
    domain = Path(__file__).resolve().parents[2] / "bot" / "domain" / "human.yml"
    responses = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
    for topic, _pattern in human.URGENT_TOPICS:
        text = responses[f"utter_handoff_intro_urgent_{topic}"][0]["text"]
        assert "Ich gebe Ihre Anfrage sofort an einen Menschen weiter." in text
    assert "Bank" not in responses["utter_handoff_intro_urgent_cybermobbing_kind"][0]["text"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("mein konto wurde gehackt", "konto_gehackt"),
        ("jemand bedroht mich per whatsapp", "bedrohung"),
        ("mein sohn wird in der whatsapp gruppe gemobbt", "cybermobbing_kind"),
        ("gerade ruft einer an und sagt er ist von der bank", "betrugsanruf"),
        ("ein falscher polizist war am telefon", "betrugsanruf"),
        ("es wurden 300 euro abgebucht", "geld_weg"),
    ],
)
def test_urgent_topics_are_named(text: str, topic: str) -> None:
    assert human.urgent_topic(text) == topic


async def test_a_message_wrongly_taken_for_urgent_gets_no_alarm_and_no_handoff() -> None:
    """The NLU once took a garden question for an emergency: without an urgent topic or
    an urgent word, the bot says what it knows about and waits."""
    dispatcher = CollectingDispatcher()
    question = "meine rosen haben braune flecken was kann ich tun"
    events = await human.ActionStartHandoff().run(
        dispatcher, tracker(question, "report_emergency"), {}
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
    assert [e["event"] for e in events] == ["followup"]
    said, slots = await _start(tracker("hilfe notfall bitte schnell", "report_emergency"))
    assert said == ["utter_handoff_intro_urgent"] and slots["handoff_priority"] == "dringend"


async def test_someone_should_call_me_is_a_call_back() -> None:
    said, slots = await _start(tracker("jemand soll mich anrufen", "request_human"))
    assert said == ["utter_handoff_intro_callback"]
    assert (slots["handoff_type"], slots["handoff_priority"]) == ("rueckruf", "normal")


async def test_a_number_written_with_the_call_back_request_is_not_asked_again() -> None:
    said, slots = await _start(
        tracker("geht nicht, bitte um rückruf [Rufnummer] ab 14 uhr", "request_human")
    )
    assert said == ["utter_handoff_intro_callback"]
    assert slots["handoff_callback"] == "geht nicht, bitte um rückruf [Rufnummer] ab 14 uhr"
    _, without = await _start(tracker("jemand soll mich anrufen", "request_human"))
    assert without["handoff_callback"] is None


async def test_a_district_named_with_the_request_is_not_asked_again(app: FakeApp) -> None:
    app.bezirk = "Hombruch"
    said, slots = await _start(
        tracker("kann mir ein mensch helfen ich wohne in barop", "request_human")
    )
    assert said == ["utter_handoff_intro_request"]
    assert (slots["handoff_bezirk"], slots["stadtbezirk"]) == ("Hombruch", "Hombruch")


async def test_known_district_is_not_asked_again() -> None:
    said, slots = await _start(tracker("Mensch", "request_human", {"stadtbezirk": "Eving"}))
    assert said == ["utter_handoff_intro_request"]
    assert slots["handoff_bezirk"] == "Eving" and slots["handoff_type"] == "frage"


def test_second_unanswered_question_starts_a_handoff() -> None:
    first = human.after_answer(tracker("asdf", "nlu_fallback"), answered=False)
    assert first == [{"event": "slot", "timestamp": None, "name": "failed_answers", "value": 1}]
    second = human.after_answer(
        tracker("qwer", "nlu_fallback", {"failed_answers": 1}), answered=False
    )
    assert [e["event"] for e in second] == ["slot", "followup"]
    assert second[1]["name"] == "action_start_handoff"
    reset = human.after_answer(tracker("foto", "ask_howto", {"failed_answers": 1}), answered=True)
    assert _slots(reset) == {"failed_answers": 0}


async def test_handoff_after_failures_says_why_and_keeps_the_questions() -> None:
    said, slots = await _start(tracker("qwer", "nlu_fallback", history=("hallo", "asdf")))
    assert said == ["utter_handoff_intro_failed"]
    assert slots["handoff_summary"] == "hallo | asdf | qwer"


async def test_dont_know_goes_to_the_central_queue(app: FakeApp) -> None:
    form = human.ValidateHandoffForm()
    result = await form.validate_handoff_bezirk(
        "weiß ich nicht", CollectingDispatcher(), tracker("weiß ich nicht", "deny"), {}
    )
    assert result == {"handoff_bezirk": "unbekannt"}
    app.bezirk = "Hombruch"
    result = await form.validate_handoff_bezirk(
        "ich wohne in barop", CollectingDispatcher(), tracker("ich wohne in barop", "inform"), {}
    )
    assert result == {"handoff_bezirk": "Hombruch", "stadtbezirk": "Hombruch"}


async def test_consent_needs_yes_or_no() -> None:
    form = human.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    unclear = await form.validate_handoff_consent(
        "vielleicht", dispatcher, tracker("vielleicht", "nlu_fallback"), {}
    )
    assert unclear == {"handoff_consent": None}
    assert dispatcher.messages[0]["response"] == "utter_handoff_consent_unclear"
    assert await form.validate_handoff_consent("ja", dispatcher, tracker("ja", "affirm"), {}) == {
        "handoff_consent": "ja"
    }


async def test_call_back_needs_a_number_except_on_sms() -> None:
    form = human.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    web = await form.validate_handoff_callback(
        "morgen", dispatcher, tracker("morgen", "inform"), {}
    )
    assert web == {"handoff_callback": None}
    sms = await form.validate_handoff_callback(
        "morgen", dispatcher, tracker("morgen", "inform", channel="sms"), {}
    )
    assert sms == {"handoff_callback": "morgen"}


async def test_consent_question_says_where_and_when(app: FakeApp) -> None:
    dispatcher = CollectingDispatcher()
    await human.ActionAskHandoffConsent().run(
        dispatcher, tracker("Hörde", "inform", {"handoff_bezirk": "unbekannt"}), {}
    )
    assert app.previews == [None]
    message = dispatcher.messages[0]
    assert message["response"] == "utter_handoff_consent"
    assert message["place"] == "Stadtbibliothek Hörde"
    assert message["when"] == "morgen 10–12 Uhr Sprechstunde"


async def test_ticket_is_created_only_with_consent(app: FakeApp) -> None:
    slots = {
        "handoff_consent": "nein",
        "handoff_bezirk": "Hörde",
        "handoff_type": "frage",
        "handoff_priority": "dringend",
    }
    dispatcher = CollectingDispatcher()
    events = await human.ActionCreateTicket().run(dispatcher, tracker("nein", "deny", slots), {})
    assert app.tickets == []
    assert dispatcher.messages[0]["response"] == "utter_handoff_declined"
    assert all(value is None for value in _slots(events).values())

    slots["handoff_consent"] = "ja"
    dispatcher = CollectingDispatcher()
    await human.ActionCreateTicket().run(dispatcher, tracker("ja", "affirm", slots), {})
    assert app.tickets[0]["sender"] == "pseudonym-1"
    assert (app.tickets[0]["priority"], app.tickets[0]["stadtbezirk"]) == ("dringend", "Hörde")
    assert app.tickets[0]["phone"] is None
    assert dispatcher.messages[0]["response"] == "utter_handoff_created"


async def test_call_back_on_sms_without_number_uses_the_sender_number(app: FakeApp) -> None:
    slots = {
        "handoff_consent": "ja",
        "handoff_bezirk": "unbekannt",
        "handoff_type": "rueckruf",
        "handoff_callback": "morgen vormittag",
    }
    await human.ActionCreateTicket().run(
        CollectingDispatcher(), tracker("ja", "affirm", slots, channel="sms"), {}
    )
    ticket = app.tickets[0]
    assert ticket["use_sms_number"] and ticket["phone"] is None
    assert ticket["callback_window"] == "morgen vormittag" and ticket["stadtbezirk"] is None


async def test_app_down_is_said_honestly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(human, "get_app_client", lambda: FakeApp(fail=True))
    dispatcher = CollectingDispatcher()
    await human.ActionCreateTicket().run(
        dispatcher, tracker("ja", "affirm", {"handoff_consent": "ja"}), {}
    )
    assert dispatcher.messages[0]["response"] == "utter_handoff_unavailable"


async def test_slots_reset_by_the_handoff_start_are_asked_not_judged(app: FakeApp) -> None:
    """Hardening finding 11: the form validates the slots action_start_handoff resets to
    None; that is no answer, so nothing is said (no stray "Bitte antworten Sie mit Ja oder
    Nein") and the Stadtbezirk is still asked (not the central queue)."""
    form = human.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    request = tracker("Können Sie mich anrufen?", "request_human", channel="sms")
    results = [
        await form.validate_handoff_bezirk(None, dispatcher, request, {}),
        await form.validate_handoff_callback(None, dispatcher, request, {}),
        await form.validate_handoff_consent(None, dispatcher, request, {}),
    ]
    assert results == [
        {"handoff_bezirk": None},
        {"handoff_callback": None},
        {"handoff_consent": None},
    ]
    assert dispatcher.messages == []


async def test_a_written_number_is_called_back_without_rasa_seeing_it(app: FakeApp) -> None:
    form = human.ValidateHandoffForm()
    answer = "[Rufnummer], morgen ab 14 Uhr"  # what the app passes on for "0231 98..., ..."
    valid = await form.validate_handoff_callback(
        answer, CollectingDispatcher(), tracker(answer, "inform"), {}
    )
    assert valid == {"handoff_callback": answer}
    slots = {"handoff_consent": "ja", "handoff_type": "rueckruf", "handoff_callback": answer}
    await human.ActionCreateTicket().run(
        CollectingDispatcher(), tracker("ja", "affirm", slots, channel="sms"), {}
    )
    ticket = app.tickets[0]
    assert ticket["use_written_number"] and not ticket["use_sms_number"]
    assert (ticket["phone"], ticket["callback_window"]) == (None, "morgen ab 14 Uhr")


@pytest.mark.parametrize(
    "text",
    [
        "Komme nicht zurecht. Kann mir nicht ein Mensch dabei helfen? Ich wohne in Eving.",
        "ich möchte lieber mit einem echten menschen sprechen",
        "geht nicht, ich will mit jemandem reden",
        "ich brauche jemanden, der sich das in ruhe anschaut",
        "ich hätte gern persönliche hilfe dabei",
    ],
)
def test_a_request_for_a_person_in_own_words_is_recognised(text: str) -> None:
    assert person_request.asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "wie kann ich jemanden mit whatsapp anrufen",
        "wie schicke ich einer person ein foto",
        "mit dem handy im internet suchen",
        "kann ich mit jemandem per video telefonieren",
    ],
)
def test_a_how_to_question_about_other_people_is_not_a_request_for_a_person(text: str) -> None:
    assert not person_request.asks_for_a_person(text)


async def test_an_incident_the_nlu_took_for_a_request_is_urgent_with_its_topic() -> None:
    """Issue 12, class 7: a threat told to "a person, please" still gets its first aid."""
    said, slots = await _start(
        tracker("ein käufer droht mir, dass er vorbeikommt, wenn ich nicht zahle", "request_human")
    )
    assert said == ["utter_handoff_intro_urgent_bedrohung"]
    assert (slots["handoff_priority"], slots["handoff_topic"]) == ("dringend", "bedrohung")


async def test_an_urgent_case_with_a_call_wish_asks_for_the_number() -> None:
    said, slots = await _start(
        tracker("mein konto wurde gehackt, bitte rufen sie mich zurück", "report_emergency")
    )
    assert said == ["utter_handoff_intro_urgent_konto_gehackt"]
    assert (slots["handoff_type"], slots["handoff_priority"]) == ("rueckruf", "dringend")


async def test_a_question_about_the_places_shown_is_no_request_for_a_person(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Sprechen die auch Arabisch?" after places: their languages, not a handoff."""

    class Details:
        async def place_details(self, keys: list[str], question: str) -> list[str]:
            return [f"{key}: Arabisch ja" for key in keys]

        async def resolve_location(self, text: str, postcode: str | None) -> str | None:
            return None

    monkeypatch.setattr(human, "get_app_client", lambda: Details())
    dispatcher = CollectingDispatcher()
    t = tracker("sprechen die auch arabisch", "request_human", {"shown_places": ["ort-a"]})
    events = await human.ActionStartHandoff().run(dispatcher, t, {})
    assert dispatcher.messages[0]["text"] == "ort-a: Arabisch ja"
    assert events == [FollowupAction("action_listen")]
    # Without places shown, the same words start the handoff.
    said, _ = await _start(tracker("sprechen die auch arabisch", "request_human"))
    assert said == ["utter_handoff_intro_request"]


async def test_a_call_wish_with_the_district_asks_for_the_number(app: FakeApp) -> None:
    app.bezirk = "Aplerbeck"
    text = "Ich wohne in Sölde und hätte gern einen Anruf."
    result = await human.ValidateHandoffForm().validate_handoff_bezirk(
        text, CollectingDispatcher(), tracker(text, "inform"), {}
    )
    assert result["handoff_bezirk"] == "Aplerbeck" and result["handoff_type"] == "rueckruf"


async def test_a_question_the_nlu_took_for_a_request_for_a_person_is_searched() -> None:
    """No person and no help word in it: the how-to action answers or says it cannot."""
    dispatcher = CollectingDispatcher()
    t = tracker("kann ich meine katze zwei tage allein lassen", "request_human")
    events = await human.ActionStartHandoff().run(dispatcher, t, {})
    assert dispatcher.messages == [] and events == [FollowupAction("action_answer_howto")]
    said, _ = await _start(tracker("kann ich bitte mit einem menschen sprechen", "request_human"))
    assert said == ["utter_handoff_intro_request"]
