"""The short notice says what, why, how long, who, how to erase; and fits one SMS."""

from __future__ import annotations

from helpdesk.channels.render import is_gsm7, render_sms, sms_segments
from helpdesk.conversations.service import Reply
from helpdesk.privacy.notice import short_notice, web_notice
from helpdesk.settings import Settings


def test_short_notice_names_retention_erasure_and_the_full_text() -> None:
    notice = short_notice(Settings(retention_days=30, public_url="https://diodo.example.org"))
    for expected in ("Nachrichten", "Nummer", "30", "LÖSCHEN", "DATENSCHUTZ", "/datenschutz"):
        assert expected in notice
    assert "30" in web_notice(Settings(retention_days=30))


def test_short_notice_is_one_sms_of_at_most_two_segments() -> None:
    url = "https://diodo.stadt-dortmund.de"  # a realistic public address (31 characters)
    pages, _ = render_sms(Reply(short_notice(Settings(public_url=url, retention_days=365))))
    assert len(pages) == 1
    assert is_gsm7(pages[0]) and sms_segments(pages[0]) <= 2


def test_each_channel_notice_says_exactly_what_that_channel_stores() -> None:
    """Hardening finding 15: the Telegram notice claimed to store a phone number."""
    settings = Settings(retention_days=30, public_url="https://diodo.example.org")
    sms, telegram, web = (short_notice(settings, c) for c in ("sms", "telegram", "web"))
    assert "Nachrichten und Nummer" in sms
    assert "Telegram-Chats, nicht Ihre Telefonnummer" in telegram
    assert "keine Telefonnummer" in web
    for notice in (telegram, web):
        assert "30" in notice and "LÖSCHEN" in notice and "/datenschutz" in notice
        assert len(notice) <= 400  # short: the full text is one link away
