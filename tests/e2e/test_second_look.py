"""Issue 12, failure classes 1, 4, 5 and 7 end to end (real Rasa, actions, app): the
second look before the place form and before "out of scope" (actions/second_look.py,
actions/triage.py). Our own paraphrases, not the held-out dialogues."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase, default_articles_dir
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat, domain_texts

pytestmark = pytest.mark.e2e

ARTICLES = KnowledgeBase.from_directory(default_articles_dir())


def said(replies: list[dict[str, object]]) -> str:
    return "\n".join(str(reply["text"]) for reply in replies)


def shows(replies: list[dict[str, object]], response: str) -> bool:
    return any(reply["text"] in domain_texts(response) for reply in replies)


def test_a_how_to_question_naming_the_library_is_answered_then_places_follow(
    app: AppRunner,
) -> None:
    """Class 5: the question is answered, not met with the district question; a district
    said next lists places for that need."""
    chat = WebChat(app.url)
    first = chat.ask("Wie kann ich in der Bücherei Papiere ausdrucken?")
    article = ARTICLES.get("drucken-in-der-bibliothek")
    assert article is not None
    assert first[0]["text"] == article.answer.strip(), said(first)
    places = said(chat.ask("gibt es das auch in hörde?"))
    assert "(Beispiel)" in places and "Hörde" in places, places


def test_an_incident_told_as_a_story_gets_its_own_first_aid(app: AppRunner) -> None:
    """Class 7: a scam call in progress, told in own words, gets the call's first aid
    (not the bank's), then the handoff asks where the citizen lives."""
    replies = WebChat(app.url).ask(
        "Gerade ruft ein Mann an, er sei von der Polizei, und ich soll mein Geld abheben. "
        "Was mache ich jetzt?"
    )
    assert shows(replies, "utter_handoff_intro_urgent_betrugsanruf"), said(replies)
    assert not shows(replies, "utter_handoff_intro_urgent_geld_weg")


def test_a_wish_for_a_visit_at_home_hands_over_to_a_person(app: AppRunner) -> None:
    """Class 4: only a person can come by; the handoff starts instead of the place form."""
    replies = WebChat(app.url).ask(
        "könnte mal jemand zu mir nach hause kommen, mein neuer router geht nicht"
    )
    assert shows(replies, "utter_handoff_intro_request"), said(replies)


def test_a_long_story_with_a_place_and_a_need_lists_places(app: AppRunner) -> None:
    """Class 1: a location inside a long message of an older citizen is used at once."""
    replies = WebChat(app.url).ask(
        "Guten Tag, ich bin 84 und lebe schon lange in Eving, mein Sohn ist weit weg. "
        "Wo bekomme ich hier in der Gegend Hilfe mit meinem Tablet?"
    )
    text = said(replies)
    assert "(Beispiel)" in text and "Eving" in text, text


def test_an_insult_gets_a_calm_answer_and_the_way_to_a_person(app: AppRunner) -> None:
    """Unknown class: an angry word at DiODo is not answered with who DiODo is."""
    chat = WebChat(app.url)
    replies = chat.ask("Du bist echt der dümmste Roboter, den es gibt.")
    assert shows(replies, "utter_insult"), said(replies)
    assert not shows(replies, "utter_iamabot")
    # A plain question about what DiODo is still gets the plain answer.
    assert shows(chat.ask("Bin ich hier mit einer Maschine verbunden?"), "utter_iamabot")


def test_a_name_of_several_districts_is_asked_about(app: AppRunner) -> None:
    """Class 1: "Innenstadt" is three Stadtbezirke; the bot asks which, with only those
    three as choices, and a choice lists places there."""
    chat = WebChat(app.url)
    replies = chat.ask("Wo in der Innenstadt kann ich an einem Computer ins Internet?")
    assert shows(replies, "utter_ask_stadtbezirk_among"), said(replies)
    titles = [str(b["title"]) for r in replies for b in r.get("buttons") or []]
    assert titles == ["Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost"], titles
    places = said(chat.ask("Innenstadt-Nord"))
    assert "(Beispiel)" in places and "Innenstadt-Nord" in places, places
