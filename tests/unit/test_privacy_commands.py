"""The privacy words are recognised however they are typed, and nothing else is."""

from __future__ import annotations

import pytest

from helpdesk.conversations.service import Reply
from helpdesk.privacy.commands import (
    CONFIRM_PAYLOAD,
    DENY_PAYLOAD,
    Command,
    asks_erasure,
    erase_question,
    parse_command,
)


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("LÖSCHEN", Command.ERASE),
        (" löschen! ", Command.ERASE),
        ("Loeschen.", Command.ERASE),
        ("/erase_my_data", Command.ERASE),
        (CONFIRM_PAYLOAD, Command.CONFIRM),
        (DENY_PAYLOAD, Command.DENY),
        ("ja", Command.YES),
        ("Ja, bitte", Command.YES),
        ("NEIN", Command.NO),
        ("datenschutz", Command.NOTICE),
    ],
)
def test_privacy_words_are_recognised(body: str, command: Command) -> None:
    assert parse_command(body) is command


@pytest.mark.parametrize(
    "body", ["Wie lösche ich ein Foto?", "ja wie geht das", "", "löschen foto"]
)
def test_questions_that_mention_deleting_go_to_rasa(body: str) -> None:
    assert parse_command(body) is None


def test_the_question_offers_ja_and_nein_with_the_payloads_the_app_understands() -> None:
    question = erase_question()
    assert [b.payload for b in question.buttons] == [CONFIRM_PAYLOAD, DENY_PAYLOAD]
    assert asks_erasure([Reply("x"), question])
    assert not asks_erasure([Reply("Hallo")])
