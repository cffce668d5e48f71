"""One channel-neutral article answer, rendered for the web chat, Telegram and SMS.

Uses the shipped articles and the follow-up buttons of the real Rasa domain, built into
the payload exactly as action_answer_howto sends it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from helpdesk.channels.rasa import parse_rasa_messages
from helpdesk.channels.render import (
    SMS_MAX_SEPTETS,
    article_text,
    is_gsm7,
    plain_text,
    render_sms,
    render_telegram,
    sms_segments,
)
from helpdesk.conversations.service import Button, Reply
from knowledge import Article, default_articles_dir, load_directory

DOMAIN = Path(__file__).resolve().parents[3] / "bot" / "domain" / "howto.yml"
ARTICLES = load_directory(default_articles_dir())


def followup(name: str = "utter_howto_followup") -> dict[str, Any]:
    response = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"][name][0]
    return {"text": response["text"], "buttons": response["buttons"]}


def rasa_answer(article: Article, *, easy: bool = False) -> list[dict[str, Any]]:
    """Rasa's REST output for an answered question (see actions/knowledge.py)."""
    if easy:
        custom = {"type": "article", "article_id": article.id, "form": "easy", "text": article.easy}
    else:
        custom = {
            "type": "article",
            "article_id": article.id,
            "form": "standard",
            "text": article.answer,
            "sms": article.sms,
        }
    return [
        {"recipient_id": "p", "custom": custom},
        {
            "recipient_id": "p",
            **followup("utter_howto_followup_easy" if easy else "utter_howto_followup"),
        },
    ]


def titles(reply: Reply) -> list[str]:
    return [button.title for button in reply.buttons]


WLAN = next(a for a in ARTICLES if a.id == "wlan-verbinden")


def test_web_chat_gets_the_full_markdown_answer_then_the_buttons() -> None:
    article, reply = parse_rasa_messages(rasa_answer(WLAN), "web")
    assert article == Reply(WLAN.answer.strip())
    assert "**Android**" in article.text  # the chat page renders Markdown itself
    assert reply.text == "Hat das geholfen?"
    assert titles(reply) == [
        "Hat geholfen",
        "Hat nicht geholfen",
        "Einfacher erklären",
        "Mit einem Menschen sprechen",
    ]


def test_telegram_gets_the_full_answer_as_plain_text_with_inline_buttons() -> None:
    [reply] = parse_rasa_messages(rasa_answer(WLAN), "telegram")
    messages = render_telegram(reply)
    assert reply.text.endswith("\n\nHat das geholfen?")
    assert "**" not in reply.text
    assert "Android" in reply.text and "Wenn es nicht klappt" in reply.text
    assert messages[-1].buttons == reply.buttons
    assert Button("Mit einem Menschen sprechen", "/request_human") in reply.buttons
    assert Button("Einfacher erklären", "/simpler") in reply.buttons
    assert Button("Hat geholfen", "/article_helpful") in reply.buttons


def test_sms_gets_the_sms_form_then_the_numbered_follow_ups_each_in_two_segments() -> None:
    article_reply, followup_reply = parse_rasa_messages(rasa_answer(WLAN), "sms")
    assert article_reply == Reply(WLAN.sms)
    pages, _ = render_sms(article_reply)
    assert pages == [WLAN.sms]
    follow_pages, choices = render_sms(followup_reply)
    assert len(follow_pages) == 1 and sms_segments(follow_pages[0]) == 1
    assert "1 = Hat geholfen" in follow_pages[0]
    assert "4 = Mit einem Menschen sprechen" in follow_pages[0]
    assert choices[0].payload == "/article_helpful"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id)
def test_every_article_renders_for_sms_in_gsm7_and_at_most_two_segments(
    article: Article,
) -> None:
    replies = parse_rasa_messages(rasa_answer(article), "sms")
    assert len(replies) == 2
    for reply in replies:
        pages, _ = render_sms(reply)
        assert len(pages) == 1, "no MEHR needed for the SMS form or the follow-ups"
        assert is_gsm7(pages[0]) and sms_segments(pages[0]) <= 2
        assert len(pages[0]) <= SMS_MAX_SEPTETS


def test_typographic_characters_in_an_sms_form_are_normalised() -> None:
    sms = article_text({"text": "x", "sms": "„Einstellungen“ – öffnen … 👍"}, "sms")
    assert sms == '"Einstellungen" - öffnen ...'
    assert is_gsm7(sms)


def test_leichte_sprache_goes_to_every_channel_and_sms_pages_it() -> None:
    web = parse_rasa_messages(rasa_answer(WLAN, easy=True), "web")
    assert web[0].text == WLAN.easy.strip()
    assert "Normale Sprache" in titles(web[1])
    [telegram] = parse_rasa_messages(rasa_answer(WLAN, easy=True), "telegram")
    assert telegram.text.startswith(plain_text(WLAN.easy))
    assert "Normale Sprache" in titles(telegram)
    sms = parse_rasa_messages(rasa_answer(WLAN, easy=True), "sms")
    assert sms[0].text == plain_text(WLAN.easy)
    pages, _ = render_sms(sms[0])
    assert all(is_gsm7(page) and sms_segments(page) <= 2 for page in pages)


def test_follow_up_does_not_join_an_article_when_something_came_between() -> None:
    payload = rasa_answer(WLAN)
    payload.insert(1, {"text": "Persönliche Hilfe gibt es hier: Bibliothek."})
    replies = parse_rasa_messages(payload, "telegram")
    assert [r.text.split("\n")[0] for r in replies][1:] == [
        "Persönliche Hilfe gibt es hier: Bibliothek.",
        "Hat das geholfen?",
    ]
    assert replies[0].buttons == ()


def test_plain_text_drops_bold_and_heading_markers_only() -> None:
    assert plain_text("## Titel\n**Android**\n\n- Schritt __eins__") == (
        "Titel\nAndroid\n\n- Schritt eins"
    )
