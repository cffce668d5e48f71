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
