"""Turning Rasa's REST channel output into channel-neutral replies."""

from __future__ import annotations

import pytest

from helpdesk.channels.rasa import RasaUnavailable, parse_rasa_messages
from helpdesk.conversations.service import Button, Reply


def test_text_and_buttons_become_replies() -> None:
    payload = [
        {"recipient_id": "x", "text": "Guten Tag"},
        {
            "recipient_id": "x",
            "text": "Was möchten Sie?",
            "buttons": [{"title": "Ort finden", "payload": "/find_place"}],
        },
    ]
    assert parse_rasa_messages(payload) == [
        Reply("Guten Tag"),
        Reply("Was möchten Sie?", (Button("Ort finden", "/find_place"),)),
    ]


def test_article_payload_stays_one_message_with_its_paragraphs() -> None:
    article = "Erster Absatz.\n\n1. Schritt eins\n2. Schritt zwei"
    payload = [{"recipient_id": "x", "custom": {"type": "article", "text": article}}]
    assert parse_rasa_messages(payload) == [Reply(article)]


def test_buttons_without_text_join_the_previous_message() -> None:
    payload = [
        {"text": "Frage"},
        {"buttons": [{"title": "Ja", "payload": "/affirm"}]},
    ]
    assert parse_rasa_messages(payload) == [Reply("Frage", (Button("Ja", "/affirm"),))]


def test_unknown_items_and_empty_texts_are_skipped() -> None:
    payload = [{"image": "http://example.invalid/x.png"}, {"text": "   "}, "junk", {"text": "ok"}]
    assert parse_rasa_messages(payload) == [Reply("ok")]


def test_a_non_list_answer_is_a_transient_failure() -> None:
    with pytest.raises(RasaUnavailable):
        parse_rasa_messages({"error": "boom"})
