"""Tickets in the citizen's erasure and data export (issue "Data protection").

Registered with ``helpdesk.privacy`` by ``helpdesk.hooks.register_privacy_hooks``. Erasure runs in
the erasure's transaction: a ticket's thread (citizen texts, staff replies, notes) is
deleted, its personal fields are emptied and the ticket is detached from the
conversation, which the privacy job deletes later. What stays is what the organisers'
figures need: place, topic, Stadtbezirk, priority, state and times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from helpdesk.privacy.crypto import Keyring
from helpdesk.tickets.models import OPEN_STATES, Ticket, TicketMessage, TicketState


def erase_tickets(session: Session, conversation_id: int) -> int:
    """Delete the threads and personal fields of the conversation's tickets."""
    ids = list(session.scalars(select(Ticket.id).where(Ticket.conversation_id == conversation_id)))
    if not ids:
        return 0
    deleted = session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
    session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ids), Ticket.state.in_([s.value for s in OPEN_STATES]))
        .values(state=TicketState.GESCHLOSSEN.value)
    )
    session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ids))
        .values(
            conversation_id=None,
            open_conversation_id=None,
            summary="",
            phone=None,
            callback_window=None,
        )
    )
    return len(ids) + int(deleted.rowcount)  # type: ignore[attr-defined]


def export_tickets(session: Session, conversation_id: int, keys: Keyring) -> list[dict[str, Any]]:
    """The citizen's tickets with their thread (internal notes are staff working notes
    about the request and are included too: Art. 15 covers them)."""
    tickets = session.scalars(
        select(Ticket).where(Ticket.conversation_id == conversation_id).order_by(Ticket.id)
    ).all()
    out: list[dict[str, Any]] = []
    for ticket in tickets:
        messages = session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.id)
        ).all()
        out.append(
            {
                "id": ticket.id,
                "type": ticket.type,
                "state": ticket.state,
                "topic": ticket.topic,
                "stadtbezirk": ticket.stadtbezirk,
                "summary": ticket.summary,
                "callback_window": keys.decrypt(ticket.callback_window)
                if ticket.callback_window
                else None,
                "phone": keys.decrypt(ticket.phone) if ticket.phone else None,
                "created_at": ticket.created_at.isoformat(),
                "messages": [
                    {"author": m.author, "text": m.text, "at": m.created_at.isoformat()}
                    for m in messages
                ],
            }
        )
    return out


def expire_tickets(session: Session, cutoff: datetime, now: datetime, *, closed_days: int) -> int:
    """Retention for tickets; returns how many thread entries and tickets it emptied.

    Thread entries older than the general period go, like every message text (their links
    to the hub's messages first, so those can go too). Tickets closed for longer than
    ``closed_days`` lose their thread and personal fields and keep only their figures.
    """
    old = session.execute(delete(TicketMessage).where(TicketMessage.created_at < cutoff))
    count = int(old.rowcount)  # type: ignore[attr-defined]
    closed_cutoff = now - timedelta(days=closed_days)
    done = list(
        session.scalars(
            select(Ticket.id).where(
                Ticket.state.not_in([s.value for s in OPEN_STATES]),
                Ticket.updated_at < closed_cutoff,
                (Ticket.summary != "")
                | Ticket.phone.is_not(None)
                | Ticket.callback_window.is_not(None),
            )
        )
    )
    if done:
        gone = session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(done)))
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(done))
            .values(summary="", phone=None, callback_window=None)
        )
        count += len(done) + int(gone.rowcount)  # type: ignore[attr-defined]
    return count


def rotate_ticket_keys(session: Session, keys: Keyring) -> int:
    """Re-encrypt call-back numbers and windows with the newest contact key."""
    count = 0
    encrypted = Ticket.phone.is_not(None) | Ticket.callback_window.is_not(None)
    for ticket in session.scalars(select(Ticket).where(encrypted).with_for_update()):
        ticket.phone = keys.rotate(ticket.phone) if ticket.phone else None
        if ticket.callback_window:
            ticket.callback_window = keys.rotate(ticket.callback_window)
        count += 1
    return count
