"""Consent to a handoff is given explicitly, never inferred (hardening finding 1)."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import human
from actions.consent import consent_answer
from tests.actions.test_human import tracker

# Each of these once opened a ticket: the NLU said affirm, or the text began with "ja".
NOT_A_YES = [
    "ja nicht!",
    "Januar",
    "olleh gpj.exe",
    "javascript:alert(1)",
    "jahrelang schon",
    "ja, aber nur wenn niemand mitliest?",
    "nicht einverstanden",
    "ja nein",
    "ach so, nein, dann lieber nicht",
    "ja, helfen sie mir nicht",
    "vielleicht",
    "wer sieht das?",
    "<script>ja</script>",
    "1",
    "",
]


@pytest.mark.parametrize("text", NOT_A_YES)
async def test_an_answer_that_is_not_a_clear_yes_opens_no_ticket(text: str) -> None:
    form = human.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    # The worst case: the NLU took it for agreement.
    result = await form.validate_handoff_consent(text, dispatcher, tracker(text, "affirm"), {})
    assert result["handoff_consent"] != "ja"


@pytest.mark.parametrize(
    "text",
    ["ja", "Ja.", "JA!", "ja bitte", "Ja, gerne", "jaaa", "ok", "Okay", "einverstanden",
     "ja das ist in Ordnung", "Ja, ich bin einverstanden", "gerne", "/affirm", "👍",
     # Older citizens' whole sentences (issue 12): fillers around a clear yes.
     "Ach so, prima. Ja, dann machen wir das so.", "ja bitte helfen Sie mir"],
)  # fmt: skip
def test_a_clear_yes_is_consent(text: str) -> None:
    assert consent_answer(text) == "ja"


@pytest.mark.parametrize(
    "text", ["nein", "Nein danke", "nee", "lieber nicht", "auf keinen Fall", "/deny", "nö"]
)
def test_a_clear_no_is_a_no(text: str) -> None:
    assert consent_answer(text) == "nein"


async def test_a_button_payload_counts_whatever_the_nlu_said() -> None:
    form = human.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    yes = await form.validate_handoff_consent(
        "/affirm", dispatcher, tracker("/affirm", "nlu_fallback"), {}
    )
    no = await form.validate_handoff_consent("/deny", dispatcher, tracker("/deny", "affirm"), {})
    assert (yes, no) == ({"handoff_consent": "ja"}, {"handoff_consent": "nein"})
    assert dispatcher.messages == []


async def test_an_unclear_answer_asks_again() -> None:
    form = human.ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_handoff_consent(
        "Januar", dispatcher, tracker("Januar", "affirm"), {}
    )
    assert result == {"handoff_consent": None}
    assert dispatcher.messages[0]["response"] == "utter_handoff_consent_unclear"
