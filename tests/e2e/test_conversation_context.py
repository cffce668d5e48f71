"""Issue 12, failure classes 2, 4, 5 end to end (real Rasa, actions, app): the
conversation remembers the article and the places it showed last, and answers
follow-ups from them. Our own paraphrases, not the held-out dialogues."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase, default_articles_dir
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat, domain_texts

pytestmark = pytest.mark.e2e

ARTICLES = KnowledgeBase.from_directory(default_articles_dir())


def answer(article_id: str) -> str:
    article = ARTICLES.get(article_id)
    assert article is not None, article_id
    return article.answer.strip()


def said(replies: list[dict[str, object]]) -> str:
    return "\n".join(str(reply["text"]) for reply in replies)


def test_cost_once_more_and_back_refer_to_the_articles_just_sent(app: AppRunner) -> None:
    chat = WebChat(app.url)
    first = chat.ask("Wie bekomme ich einen Ausweis für die Stadtbücherei?")
    assert first[0]["text"] == answer("bibliotheksausweis-ebooks")
    cost = said(chat.ask("und was muss ich dafür zahlen?"))
    assert "Bibliotheksausweis" in cost or "Ausweis" in cost, cost
    assert any(word in cost for word in ("Euro", "kostenlos", "kostet")), cost
    second = chat.ask("wie mache ich die schrift auf dem handy größer")
    assert second[0]["text"] == answer("schrift-groesser")
    again = chat.ask("noch einmal bitte")
    assert again[0]["text"] == answer("schrift-groesser")
    back = chat.ask("zurück")
    assert back[0]["text"] == answer("bibliotheksausweis-ebooks")


def test_a_language_asked_about_the_places_shown_is_answered_by_name(app: AppRunner) -> None:
    chat = WebChat(app.url)
    first = said(chat.ask("Wo kann ich in Hörde Hilfe mit meinem Handy bekommen?"))
    assert "(Beispiel)" in first, first
    languages = said(chat.ask("kann da jemand polnisch"))
    assert "Polnisch" in languages, languages
    cost = said(chat.ask("kostet die hilfe da was"))
    assert "kostenlos" in cost, cost


def test_a_place_and_a_need_in_one_short_message_names_places_at_once(app: AppRunner) -> None:
    replies = WebChat(app.url).ask("internet hilfe in hombruch")
    texts = said(replies)
    assert "(Beispiel)" in texts, texts
    assert not any(r["text"] in domain_texts("utter_location_noted") for r in replies)


def test_not_helpful_with_a_plea_for_help_goes_to_a_person(app: AppRunner) -> None:
    chat = WebChat(app.url)
    first = chat.ask("wie verbinde ich das handy mit dem wlan")
    assert first[0]["text"] == answer("wlan-verbinden")
    replies = chat.ask("hat nicht geklappt, ich brauche jemanden der mir hilft")
    assert any(
        r["text"] in domain_texts("utter_handoff_intro_failed")
        or r["text"] in domain_texts("utter_handoff_intro_request")
        for r in replies
    ), said(replies)
