"""Knowledge answers through the web chat with the real Rasa, actions and search:
colloquial questions, an honest "weiß ich nicht", Leichte Sprache, feedback, choices."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from knowledge import KnowledgeBase, default_articles_dir
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat, domain_texts

pytestmark = pytest.mark.e2e

ARTICLES = KnowledgeBase.from_directory(default_articles_dir())


def answer(article_id: str) -> str:
    article = ARTICLES.get(article_id)
    assert article is not None, article_id
    return article.answer.strip()


def easy(article_id: str) -> str:
    article = ARTICLES.get(article_id)
    assert article is not None, article_id
    return article.easy.strip()


def payloads(reply: dict) -> list[str]:  # type: ignore[type-arg]
    return [button["payload"] for button in reply["buttons"]]


def rows(app: AppRunner, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(app.database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("ich hab ne sms paket kommt nicht klicken sie hier is das echt??", "sms-betrug-erkennen"),
        ("mit den enkeln per kamera reden", "videoanruf-whatsapp"),
        ("schrift zu klein auf handy", "schrift-groesser"),
    ],
)
def test_colloquial_question_gets_the_right_article_and_the_follow_ups(
    app: AppRunner, question: str, article_id: str
) -> None:
    replies = WebChat(app.url).ask(question)
    assert replies[0]["text"] == answer(article_id)
    assert replies[1]["text"] in domain_texts("utter_howto_followup")
    assert payloads(replies[1]) == [
        "/article_helpful",
        "/article_not_helpful",
        "/simpler",
        "/request_human",
    ]


def test_unanswerable_question_gets_an_honest_answer_and_an_offer(app: AppRunner) -> None:
    replies = WebChat(app.url).ask("Wie entkalke ich meine Kaffeemaschine?")
    assert len(replies) == 1, replies  # no article, not even a wrong one
    # The NLU may read it as a how-to (the search finds nothing) or as off-topic.
    honest = domain_texts("utter_howto_not_found") + domain_texts("utter_out_of_scope")
    assert replies[0]["text"] in honest
    assert replies[0]["text"].startswith("Das weiß ich leider nicht.")
    assert payloads(replies[0])[:2] == ["/find_place", "/request_human"]


def test_how_to_without_an_article_is_recorded_for_editors_without_the_name(
    app: AppRunner,
) -> None:
    question = "Wie stelle ich meinen Videorekorder ein? Mein Name ist Erika Muster."
    replies = WebChat(app.url).ask(question)
    assert [r["text"] for r in replies] == domain_texts("utter_howto_not_found")
    today = datetime.now(UTC).date().isoformat()
    assert rows(app, "SELECT question, count, first_seen FROM unanswered_question") == [
        ("wie stelle ich meinen videorekorder ein? mein name ist [name].", 1, today)
    ]


def test_leichte_sprache_feedback_and_choices(app: AppRunner) -> None:
    chat = WebChat(app.url)
    assert chat.ask("schrift zu klein auf handy")[0]["text"] == answer("schrift-groesser")

    simpler = chat.ask("Einfacher bitte")
    assert [r["text"] for r in simpler[:2]] == [
        domain_texts("utter_easy_language_on")[0],
        easy("schrift-groesser"),
    ]
    assert "/normal_language" in payloads(simpler[2])

    # Later answers stay in Leichte Sprache ...
    wlan = chat.ask("wie verbinde ich mein handy mit dem wlan")
    assert wlan[0]["text"] == easy("wlan-verbinden")
    helped = chat.ask("/article_helpful")
    assert helped[0]["text"] in domain_texts("utter_feedback_thanks")
    today = datetime.now(UTC).date().isoformat()
    assert rows(app, "SELECT day, article_id, channel, helpful, count FROM article_feedback") == [
        (today, "wlan-verbinden", "web", 1, 1)
    ]

    # ... until the citizen asks for the normal form.
    assert chat.ask("/normal_language")[0]["text"] in domain_texts("utter_normal_language_on")
    unsure = chat.ask("reklame im postfach")
    assert unsure[0]["text"] in domain_texts("utter_howto_choices")
    choices = payloads(unsure[0])
    spam = '/ask_howto{"article_id":"spam-emails"}'
    assert spam in choices and all(p.startswith('/ask_howto{"article_id":') for p in choices)
    assert json.loads(spam.removeprefix("/ask_howto"))  # valid JSON entity payload
    chosen = chat.ask(spam)
    assert chosen[0]["text"] == answer("spam-emails")

    sorry = chat.ask("/article_not_helpful")
    assert sorry[0]["text"] in domain_texts("utter_feedback_sorry")
    assert payloads(sorry[0]) == ["/simpler", "/find_place", "/request_human"]
    assert rows(app, "SELECT article_id, helpful FROM article_feedback ORDER BY id") == [
        ("wlan-verbinden", 1),
        ("spam-emails", 0),
    ]
