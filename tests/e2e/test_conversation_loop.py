"""The whole loop with the real processes: web chat API → app → Rasa → actions → app."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest
from sqlalchemy import create_engine, text

from helpdesk.texts import text as app_text
from knowledge import KnowledgeBase, default_articles_dir
from tests.e2e.conftest import AppRunner, BotStack, free_port
from tests.e2e.relay import TcpRelay
from tests.e2e.webchat import WebChat, domain_texts

pytestmark = pytest.mark.e2e

PHOTO_QUESTION = "Hallo, wie mache ich ein Foto mit dem Handy?"


def _article_answer(article_id: str) -> str:
    kb = KnowledgeBase.from_directory(default_articles_dir())
    hits = [
        h for h in kb.search(article_id.replace("-", " "), limit=10) if h.article.id == article_id
    ]
    assert hits, f"article {article_id} not found"
    return hits[0].article.answer.strip()


def _rows(database_url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_multi_turn_conversation_through_the_web_chat(app: AppRunner) -> None:
    chat = WebChat(app.url)

    greeting = chat.ask("Hallo")
    assert greeting[0]["text"] in domain_texts("utter_greet")

    howto = chat.ask(PHOTO_QUESTION)
    assert howto[0]["text"] == _article_answer("foto-machen-und-senden")
    assert howto[-1]["text"] in domain_texts("utter_howto_followup")
    assert {b["payload"] for b in howto[-1]["buttons"]} >= {"/article_helpful", "/request_human"}

    # "das hat geholfen" is feedback on the article now (counted), or plain thanks.
    thanks = chat.ask("danke schön, das hat geholfen")
    assert thanks[0]["text"] in domain_texts("utter_youre_welcome") + domain_texts(
        "utter_feedback_thanks"
    )

    place = chat.ask("wo bekomme ich hilfe in meiner nähe")
    assert place[0]["text"] in domain_texts("utter_ask_stadtbezirk")
    hint = chat.ask("in der nordstadt")
    assert "Innenstadt-Nord" in hint[0]["text"]

    goodbye = chat.ask("tschüss")
    assert goodbye[0]["text"] in domain_texts("utter_goodbye")
    assert len({r["id"] for r in chat.replies}) == len(chat.replies)


def test_same_message_posted_twice_is_stored_once_and_answered_once(app: AppRunner) -> None:
    chat = WebChat(app.url)
    assert chat.send(PHOTO_QUESTION, "same-id")["duplicate"] is False
    assert chat.send(PHOTO_QUESTION, "same-id")["duplicate"] is True
    deadline = time.monotonic() + 60
    while not chat.answers_to("same-id"):
        assert time.monotonic() < deadline
        chat.poll(wait=5)
    assert chat.send(PHOTO_QUESTION, "same-id")["duplicate"] is True  # also after the answer
    time.sleep(1.5)
    chat.poll()
    answers = chat.answers_to("same-id")
    assert answers[0]["text"] == _article_answer("foto-machen-und-senden")
    inbound = _rows(app.database_url, "SELECT id, status, attempts FROM inbound_message")
    assert inbound == [(inbound[0][0], "done", 1)]
    outbound = _rows(app.database_url, "SELECT inbound_message_id, text FROM outbound_message")
    assert len(outbound) == len(answers)
    assert len({body for _, body in outbound}) == len(outbound)


def test_with_rasa_stopped_a_message_gets_a_holding_reply_and_later_its_answer(
    app_runner: AppRunner, bot: BotStack
) -> None:
    relay = TcpRelay(free_port(), bot.ports.rasa)  # closed: nothing listens there yet
    app_runner.start(rasa_port=relay.port)
    chat = WebChat(app_runner.url)
    chat.send(PHOTO_QUESTION, "q1")
    chat.send("danke", "q2")
    first = chat.poll(wait=20)
    assert [r["text"] for r in first] == [app_text("holding_reply")]
    assert not chat.answers_to("q1")

    with relay:
        relay.open()  # Rasa is back
        deadline = time.monotonic() + 90
        while not (chat.answers_to("q1") and chat.answers_to("q2")):
            assert time.monotonic() < deadline, "not answered after Rasa came back"
            chat.poll(wait=5)
    assert chat.answers_to("q1")[0]["text"] == _article_answer("foto-machen-und-senden")
    assert chat.answers_to("q2")[0]["text"] in domain_texts("utter_youre_welcome")
    texts = [r["text"] for r in chat.replies]
    assert texts.count(app_text("holding_reply")) == 1
    order = [r["in_reply_to"] for r in chat.replies if r["in_reply_to"]]
    assert order.index("q1") < order.index("q2")


def test_app_killed_while_messages_are_queued_answers_every_message_once(
    app_runner: AppRunner,
) -> None:
    app_runner.start()
    questions = [
        "Hallo",
        PHOTO_QUESTION,
        "danke",
        "was kannst du",
        "bist du ein mensch",
        "wie komme ich ins wlan",
    ]
    chats = [WebChat(app_runner.url) for _ in range(10)]
    sent: dict[str, WebChat] = {}
    for turn, question in enumerate(questions):
        for number, chat in enumerate(chats):
            message_id = f"c{number}-t{turn}"
            chat.send(question, message_id)
            sent[message_id] = chat
    app_runner.kill()

    unfinished = _rows(
        app_runner.database_url,
        "SELECT count(*) FROM inbound_message WHERE status IN ('pending', 'processing')",
    )[0][0]
    assert isinstance(unfinished, int) and unfinished > 0, "the kill came after all work"

    app_runner.start()
    deadline = time.monotonic() + 180
    while any(not chat.answers_to(mid) for mid, chat in sent.items()):
        assert time.monotonic() < deadline, "not every message was answered after restart"
        for chat in chats:
            chat.poll(wait=0.5)
    time.sleep(1.0)
    for chat in chats:
        chat.poll()
        assert len({r["id"] for r in chat.replies}) == len(chat.replies)

    statuses = _rows(
        app_runner.database_url, "SELECT status, count(*) FROM inbound_message GROUP BY status"
    )
    assert statuses == [("done", len(sent))]
    batches: defaultdict[object, set[object]] = defaultdict(set)
    for inbound_id, created_at in _rows(
        app_runner.database_url,
        "SELECT inbound_message_id, created_at FROM outbound_message "
        "WHERE inbound_message_id IS NOT NULL",
    ):
        batches[inbound_id].add(created_at)
    assert len(batches) == len(sent)
    # One completion per message: all its replies were written in one transaction.
    assert all(len(stamps) == 1 for stamps in batches.values())
