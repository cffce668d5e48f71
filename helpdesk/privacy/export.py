"""Art. 15 DSGVO: everything stored about one citizen, as JSON-ready data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.channels.sms_state import SmsMessage, SmsState
from helpdesk.conversations import service
from helpdesk.conversations.models import InboundMessage, OutboundMessage
from helpdesk.privacy.crypto import Keyring
from helpdesk.privacy.erasure import audit
from helpdesk.privacy.tracker import RasaTracker

Exporter = Callable[[Session, int], Any]
"""Returns a feature's JSON-ready data about one conversation (e.g. its tickets)."""

_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, exporter: Exporter) -> None:
    """Add (or replace) the exporter ``name``; its result appears under that key."""
    _EXPORTERS[name] = exporter


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_citizen(
    session: Session,
    keys: Keyring,
    *,
    channel: str,
    address: str,
    actor: str,
    tracker: RasaTracker | None = None,
) -> dict[str, Any] | None:
    """Everything stored about ``(channel, address)``, or None if nothing is.

    The export itself is audited (counts only).
    """
    conversation = service.find_conversation(session, channel=channel, address=address, keys=keys)
    if conversation is None:
        return None
    cid = conversation.id
    inbound = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.conversation_id == cid)
        .order_by(InboundMessage.id)
    ).all()
    outbound = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.conversation_id == cid)
        .order_by(OutboundMessage.id)
    ).all()
    sms_state = session.get(SmsState, cid)
    sms = session.scalars(select(SmsMessage).where(SmsMessage.conversation_id == cid)).all()
    events = tracker.export_sender(conversation.pseudonym) if tracker is not None else []
    data: dict[str, Any] = {
        "contact": {
            "channel": channel,
            "address": keys.decrypt(conversation.contact.address_enc),
            "first_contact_at": _iso(conversation.contact.created_at),
        },
        "conversation": {
            "pseudonym": conversation.pseudonym,
            "created_at": _iso(conversation.created_at),
            "last_activity_at": _iso(conversation.last_activity_at),
            "privacy_notice_sent_at": _iso(conversation.notice_sent_at),
        },
        "messages_from_you": [
            {"received_at": _iso(m.received_at), "text": m.text, "status": m.status}
            for m in inbound
        ],
        "messages_to_you": [
            {
                "created_at": _iso(m.created_at),
                "text": m.text,
                "buttons": [b["title"] for b in m.buttons],
                "status": m.status,
            }
            for m in outbound
        ],
        "sms": {
            "opted_out_at": _iso(sms_state.opted_out_at) if sms_state else None,
            "sent": [{"created_at": _iso(m.created_at), "status": m.status} for m in sms],
        },
        "assistant_events": events,
    }
    for name, exporter in _EXPORTERS.items():
        data[name] = exporter(session, cid)
    audit(
        session,
        "export",
        actor=actor,
        channel=channel,
        counts={"inbound_message": len(inbound), "outbound_message": len(outbound)},
    )
    return data
