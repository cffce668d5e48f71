"""Finding a place through the web chat, with the real Rasa, actions and place routing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat, domain_texts

pytestmark = pytest.mark.e2e


def test_question_naming_the_district_gets_a_place_there(app: AppRunner) -> None:
    chat = WebChat(app.url)
    replies = chat.ask("Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?")
    texts = [str(r["text"]) for r in replies]
    assert any(
        t.startswith(
            ("Seniorenbüro Hörde", "Senioren-Computer-Club Hörde", "Stadtteilbibliothek Hörde")
        )
        or "in Hörde" in t
        for t in texts
    ), texts
    assert any(t in domain_texts("utter_place_example_notice") for t in texts)


def test_bot_asks_where_the_citizen_lives_and_understands_a_postcode(app: AppRunner) -> None:
    chat = WebChat(app.url)
    asked = chat.ask("Ich brauche Hilfe mit dem Tablet")
    assert asked[0]["text"] in domain_texts("utter_ask_stadtbezirk")
    replies = chat.ask("44263")
    texts = [str(r["text"]) for r in replies]
    assert any("in Hörde" in t for t in texts), texts


def test_andere_orte_names_the_next_places(app: AppRunner) -> None:
    chat = WebChat(app.url)
    first = chat.ask("Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?")
    offer = [r for r in first if r["buttons"]]
    assert offer and offer[-1]["text"] in domain_texts("utter_place_more_offer")
    more = chat.ask("/more_places")
    notice = domain_texts("utter_place_example_notice")
    named_first = {str(r["text"]).split(",")[0] for r in first if "(Beispiel)" in r["text"]}
    named_more = {str(r["text"]).split(",")[0] for r in more if "(Beispiel)" in r["text"]}
    assert any(r["text"] in notice for r in more)
    assert named_more and not named_first & named_more


def test_a_follow_up_about_the_places_shown_is_answered_from_them(app: AppRunner) -> None:
    """Issue 12, classes 1 and 2: a postcode inside the sentence is used at once, and
    "wann haben die offen" is about the places just named, not an article."""
    chat = WebChat(app.url)
    first = chat.ask("ich wohne in 44263 und such wen der mir mit dem laptop hilft")
    named = [str(r["text"]).split(",")[0] for r in first if "(Beispiel)" in str(r["text"])]
    assert named, [r["text"] for r in first]
    hours = " ".join(str(r["text"]) for r in chat.ask("und wann haben die offen?"))
    assert all(name in hours for name in named), hours
    assert "geöffnet" in hours and "Hat das geholfen?" not in hours
    where = " ".join(str(r["text"]) for r in chat.ask("kann ich da mit dem rollator rein"))
    assert "barrierefrei" in where
