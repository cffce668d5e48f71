"""Handoff with the real Rasa (hardening findings 1, 2 and 11): the call-back dialogue
asks for the Stadtbezirk and says nothing stray, a ticket needs a clear yes, and a
call-back number never reaches Rasa's tracker or any table in clear."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from helpdesk.tickets.models import Ticket
from tests.e2e.conftest import AppRunner
from tests.e2e.webchat import WebChat
from tests.integration.privacy.conftest import dump_database
from tests.keys import KEYS

pytestmark = pytest.mark.e2e

NUMBER = "0231 5550172"


def _tickets(url: str) -> list[Ticket]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(Ticket)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _texts(replies: list[dict[str, object]]) -> str:
    return " ".join(str(reply["text"]) for reply in replies)


def test_a_call_back_needs_a_clear_yes_and_its_number_stays_encrypted(app: AppRunner) -> None:
    chat = WebChat(app.url)
    start = _texts(chat.ask("Können Sie mich bitte anrufen?"))
    assert "Stadtbezirk" in start
    assert "Ja oder Nein" not in start and "Telefonnummer" not in start, start
    district = _texts(chat.ask("Hörde"))
    assert "Telefonnummer" in district and "brauche eine Telefonnummer" not in district
    asked = _texts(chat.ask(f"{NUMBER}, morgen ab 14 Uhr"))
    assert "einverstanden" in asked and "DiODo-Team" not in asked  # a place in Hörde
    for not_a_yes in ("ja nicht!", "Januar"):
        again = _texts(chat.ask(not_a_yes))
        assert "Ja oder Nein" in again
        assert _tickets(app.database_url) == [], f"{not_a_yes!r} opened a ticket"
    assert "weitergegeben" in _texts(chat.ask("Ja, bitte"))
    tickets = _tickets(app.database_url)
    assert len(tickets) == 1 and tickets[0].type == "rueckruf"
    assert tickets[0].stadtbezirk == "Hörde" and tickets[0].place_id is not None
    assert KEYS.decrypt(tickets[0].phone) == "02315550172"
    assert KEYS.decrypt(tickets[0].callback_window) == "morgen ab 14 Uhr"
    everything = dump_database(app.database_url) + dump_database(f"sqlite:///{app.bot.tracker_db}")
    for needle in ("5550172", "555 0172", NUMBER):
        assert needle not in everything
    assert "5550172" not in app.log_text()
