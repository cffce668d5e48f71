"""The short privacy notice (first contact, DATENSCHUTZ) and the full Art. 13 text."""

from __future__ import annotations

from typing import Any

from helpdesk.settings import Settings
from helpdesk.texts import or_placeholder, text

PRIVACY_PATH = "/datenschutz"


def privacy_url(settings: Settings) -> str:
    """Where the full privacy text is served."""
    return settings.public_url.rstrip("/") + PRIVACY_PATH


# What each channel stores besides the messages, said exactly (Art. 13): a phone number
# by SMS; on Telegram only the chat's id, never the phone number; on the web chat the
# session in the browser.
_SHORT_NOTICE = {
    "sms": "privacy_notice",
    "telegram": "privacy_notice_telegram",
    "web": "privacy_notice_web_chat",
}


def short_notice(settings: Settings, channel: str = "sms") -> str:
    """The short German notice of a channel: what, why, how long, who sees it, how to
    erase, where the full text is."""
    key = _SHORT_NOTICE.get(channel, "privacy_notice")
    return text(key, days=settings.retention_days, url=privacy_url(settings))


def web_notice(settings: Settings) -> str:
    """The short notice on the chat page (the page links the full text itself)."""
    return text("privacy_notice_web", days=settings.retention_days)


def full_notice_context(settings: Settings) -> dict[str, Any]:
    """What the Art. 13 template needs, filled from settings (a placeholder where a
    contact is unset)."""
    return {
        "controller_name": settings.controller_name,
        "controller_address": settings.controller_address,
        "controller_contact": or_placeholder(settings.controller_contact),
        "dpo_name": settings.dpo_name,
        "dpo_contact": or_placeholder(settings.dpo_contact),
        "retention_days": settings.retention_days,
        "public_url": settings.public_url.rstrip("/"),
    }
