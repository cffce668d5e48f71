"""The bot's side of the handoff: which queue a citizen's request goes to, and when a
person will be there (pure use cases; the internal API calls them for the action server).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.conversations.models import Conversation, InboundMessage
from helpdesk.places.hours import Calendar
from helpdesk.places.models import Place
from helpdesk.places.reasons import slot_phrase
from helpdesk.places.routing import BERLIN
from helpdesk.places.service import PlaceSnapshot, RouteQuery, route_citizen
from helpdesk.privacy.crypto import Keyring
from helpdesk.privacy.phones import dial_string, open_numbers
from helpdesk.texts import text as citizen_text
from helpdesk.tickets.models import Priority, TicketType
from helpdesk.tickets.service import (
    DueRules,
    Opened,
    TicketCreate,
    conversation_by_pseudonym,
    open_ticket,
    sms_sender_number,
)

# Only a place in the citizen's own or a neighbouring Stadtbezirk takes the ticket;
# otherwise the central queue does (coordinators see it and pass it on).
_NEAR_TIERS = ("district", "neighbour")


@dataclass(frozen=True)
class HandoffPlan:
    """Where the ticket will go and, in German, when someone is there ("morgen 10–12 Uhr
    Sprechstunde")."""

    place_id: int | None
    place_name: str
    when: str


@dataclass(frozen=True)
class HandoffRequest:
    """What the action server sends once the citizen agreed."""

    pseudonym: str
    type: TicketType
    priority: Priority
    topic: str
    stadtbezirk: str | None
    summary: str
    callback_window: str | None = None
    phone: str | None = None
    use_sms_number: bool = False
    use_written_number: bool = False


def written_number(session: Session, conversation: Conversation, keys: Keyring) -> str | None:
    """The phone number the citizen last wrote in this conversation, as digits (only used
    when the citizen wrote it for a call back)."""
    sealed = session.scalar(
        select(InboundMessage.numbers_enc)
        .where(
            InboundMessage.conversation_id == conversation.id,
            InboundMessage.numbers_enc.is_not(None),
        )
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )
    numbers = open_numbers(sealed, keys)
    return dial_string(numbers[0]) if numbers else None


def plan_handoff(
    session: Session,
    stadtbezirk: str | None,
    *,
    now: datetime,
    rules: DueRules,
    snapshot: PlaceSnapshot | None = None,
) -> HandoffPlan:
    """The queue for a citizen in ``stadtbezirk`` (None: the central queue)."""
    today = now.astimezone(BERLIN).date()
    if stadtbezirk:
        answer = route_citizen(
            session,
            RouteQuery(stadtbezirk=stadtbezirk, needs=("frage",), limit=1),
            snapshot=snapshot,
            clock=lambda: now,
        )
        best = answer.result.places[0] if answer.result.places else None
        if best is not None and best.tier in _NEAR_TIERS:
            place_id = session.scalar(select(Place.id).where(Place.key == best.place.key))
            if place_id is not None:
                when = slot_phrase(best.slot, today, staffed=True)
                return HandoffPlan(place_id, best.place.name, when)
    slot = Calendar(now.astimezone(BERLIN)).next_slot(rules.central_hours, ())
    return HandoffPlan(
        None, citizen_text("ticket_central_desk"), slot_phrase(slot, today, staffed=True)
    )


def hand_off(
    session: Session,
    request: HandoffRequest,
    *,
    now: datetime,
    rules: DueRules,
    keys: Keyring,
    snapshot: PlaceSnapshot | None = None,
) -> tuple[Opened, HandoffPlan]:
    """Open the ticket the citizen agreed to (idempotent while one is open).

    Raises:
        helpdesk.tickets.errors.ConversationNotFound: unknown pseudonym.
    """
    conversation = conversation_by_pseudonym(session, request.pseudonym)
    plan = plan_handoff(session, request.stadtbezirk, now=now, rules=rules, snapshot=snapshot)
    phone = request.phone
    if not phone and request.use_written_number:
        phone = written_number(session, conversation, keys)
    if not phone and request.use_sms_number and request.type == TicketType.RUECKRUF:
        phone = sms_sender_number(session, conversation, keys)
    window = request.callback_window if request.type == TicketType.RUECKRUF else None
    opened = open_ticket(
        session,
        TicketCreate(
            conversation_id=conversation.id,
            type=request.type,
            priority=request.priority,
            place_id=plan.place_id,
            topic=request.topic,
            stadtbezirk=request.stadtbezirk,
            summary=request.summary,
            callback_window=keys.encrypt(window[:100]) if window else None,
            phone=keys.encrypt(phone[:40])
            if phone and request.type == TicketType.RUECKRUF
            else None,
        ),
        now=now,
        rules=rules,
    )
    return opened, plan
