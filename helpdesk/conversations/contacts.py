"""Contacts and their conversations: found by a blind index, created on first contact.

Each function runs inside the caller's unit of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.conversations.models import Contact, Conversation
from helpdesk.conversations.outbox import add_system_reply
from helpdesk.db import utcnow

if TYPE_CHECKING:
    from helpdesk.privacy.crypto import Keyring


def _by_address(channel: str, address: str, keys: Keyring) -> Select[Conversation]:
    return (
        select(Conversation)
        .join(Contact, Conversation.contact_id == Contact.id)
        .where(Contact.channel == channel, Contact.address_index == keys.index(channel, address))
    )


def get_or_create_conversation(
    session: Session,
    *,
    channel: str,
    address: str,
    keys: Keyring,
    notice: str | None = None,
    now: datetime | None = None,
) -> Conversation:
    """The conversation of the contact ``(channel, address)``, created on first contact.

    The address is stored encrypted, found by its blind index. On first contact the
    privacy ``notice`` (if given) is queued, so it goes out before the first answer.
    """
    conversation = session.scalar(_by_address(channel, address, keys))
    if conversation is not None:
        return conversation
    now = now or utcnow()
    try:
        with session.begin_nested():
            contact = Contact(
                channel=channel,
                address_enc=keys.encrypt(address),
                address_index=keys.index(channel, address),
                created_at=now,
            )
            session.add(contact)
            session.flush()
            conversation = Conversation(
                contact_id=contact.id,
                channel=channel,
                pseudonym=keys.pseudonym(channel, address),
                pseudonym_key_id=keys.pseudonym_key_id,
                created_at=now,
                last_activity_at=now,
            )
            session.add(conversation)
            session.flush()
            if notice is not None:
                add_system_reply(session, conversation, notice, inbound_id=None, now=now)
                conversation.notice_sent_at = now
    except IntegrityError:
        # Another request created it concurrently (PostgreSQL); take theirs.
        conversation = session.scalars(_by_address(channel, address, keys)).one()
    return conversation


def find_conversation(
    session: Session, *, channel: str, address: str, keys: Keyring
) -> Conversation | None:
    """The conversation of a contact, or None."""
    return session.scalar(_by_address(channel, address, keys))
