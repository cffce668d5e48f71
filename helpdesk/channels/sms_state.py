"""SMS use cases and their state: keywords, numbered choices, MEHR pages, opt-out, caps.

Framework-free (no fastapi, no twilio): the Twilio adapter in ``sms.py`` calls these
inside its unit of work. The phone number stays in ``contact``; nothing here stores it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from helpdesk.conversations import service
from helpdesk.conversations.models import Conversation, InboundMessage, InboundStatus
from helpdesk.conversations.service import (
    Button,
    InboundClaim,
    Received,
    Reply,
    answer_locally,
)
from helpdesk.db import Base, UTCDateTime, utcnow
from helpdesk.texts import text as citizen_text

if TYPE_CHECKING:
    from helpdesk.channels.limits import Verdict
    from helpdesk.channels.render import SmsPage
    from helpdesk.privacy.crypto import Keyring

OPTED_OUT_ERROR = 21610  # Twilio: "Attempt to send to unsubscribed recipient"
HUMAN_PAYLOAD = "/request_human"
ERASE_PAYLOAD = "/erase_my_data"


class SmsState(Base):
    """Per-conversation SMS state: opt-out, the last numbered choices, unsent pages."""

    __tablename__ = "sms_state"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id"), primary_key=True, autoincrement=False
    )
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    stop_confirmation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Unsent pages, in order: a text, or {"text": ..., "choices": [...]} for a page that
    # shows a further menu (more than nine choices), which a digit answers once shown.
    more_pages: Mapped[list[str | dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SmsMessage(Base):
    """One SMS handed to Twilio (a page of an outbox row) and its delivery status."""

    __tablename__ = "sms_message"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    outbound_message_id: Mapped[int] = mapped_column(ForeignKey("outbound_message.id"))
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Keyword(enum.Enum):
    """SMS keywords the app handles itself or translates into an intent."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    HUMAN = "human"
    MORE = "more"
    ERASE = "erase"


_KEYWORDS = {
    "STOPP": Keyword.STOP,
    "STOP": Keyword.STOP,
    "ABMELDEN": Keyword.STOP,
    "START": Keyword.START,
    "HILFE": Keyword.HELP,
    "MENSCH": Keyword.HUMAN,
    "0": Keyword.HUMAN,
    "MEHR": Keyword.MORE,
    "LÖSCHEN": Keyword.ERASE,
    "LOESCHEN": Keyword.ERASE,
    "LOSCHEN": Keyword.ERASE,
}


def parse_keyword(body: str) -> Keyword | None:
    """The keyword an SMS consists of (case, spaces and a trailing "." or "!" ignored)."""
    return _KEYWORDS.get(body.strip().rstrip(".!").strip().upper())


@dataclass(frozen=True)
class SmsReceived:
    """Result of an inbound SMS: stored (or a duplicate), and who answers it."""

    received: Received
    to_assistant: bool
    local_reply: bool


def get_state(session: Session, conversation_id: int) -> SmsState:
    """The SMS state of a conversation, created on first use."""
    state = session.get(SmsState, conversation_id)
    if state is None:
        state = SmsState(conversation_id=conversation_id, choices=[], more_pages=[])
        session.add(state)
        session.flush()
    return state


def _is_number(body: str) -> bool:
    return body.isascii() and body.isdigit() and len(body) <= 2


def _local_reply(keyword: Keyword | None, state: SmsState, body: str, now: datetime) -> str | None:
    """The app's own answer to a keyword or digit; None when Rasa should answer."""
    if keyword is Keyword.STOP:
        state.opted_out_at = now
        state.more_pages = []
        return citizen_text("sms_stopped")
    if keyword is Keyword.START:
        state.opted_out_at = None
        state.stop_confirmation_id = None
        return citizen_text("sms_started")
    if keyword is Keyword.HELP:
        return citizen_text("sms_help")
    if keyword is Keyword.MORE:
        if not state.more_pages:
            return citizen_text("sms_no_more")
        page, *rest = state.more_pages
        state.more_pages = rest
        if isinstance(page, dict):
            state.choices = list(page["choices"])
            return str(page["text"])
        return page
    if keyword is None and _is_number(body) and not 1 <= int(body) <= len(state.choices):
        return citizen_text("sms_unknown_choice")
    return None


def _depends_on_the_last_answer(keyword: Keyword | None, body: str) -> bool:
    return keyword in (Keyword.MORE, Keyword.HELP) or (keyword is None and _is_number(body))


def _earlier_unanswered(session: Session, conversation_id: int, inbound_id: int) -> bool:
    """Whether an earlier message of the conversation still waits for its answer."""
    return (
        session.scalar(
            select(InboundMessage.id)
            .where(
                InboundMessage.conversation_id == conversation_id,
                InboundMessage.id < inbound_id,
                InboundMessage.status.in_([InboundStatus.PENDING, InboundStatus.PROCESSING]),
            )
            .limit(1)
        )
        is not None
    )


def answer_in_order(
    session: Session, claim: InboundClaim, *, now: datetime | None = None
) -> bool | str:
    """The inbox worker's turn for a deferred MEHR, HILFE or digit (see ``receive_sms``).

    Returns True when answered here (the claim completed with the app's reply), the
    payload of the chosen button for Rasa, or False when Rasa should get the text as is.
    """
    keyword = parse_keyword(claim.text)
    if not _depends_on_the_last_answer(keyword, claim.text.strip()):
        return False
    if service.holds_claim(session, claim) is None:
        return True  # another worker holds it now and answers it
    now = now or utcnow()
    state = get_state(session, claim.conversation_id)
    body = claim.text.strip()
    reply = _local_reply(keyword, state, body, now)
    state.updated_at = now
    if reply is not None:
        service.complete_inbound(session, claim, [Reply(reply)], empty_reply=Reply(reply), now=now)
        return True
    if keyword is None and _is_number(body):
        state.more_pages = []
        payload = _assistant_text(keyword, state, body)
        message = session.get(InboundMessage, claim.inbound_id)
        if message is not None:
            message.text = payload  # what the citizen chose, as a transcript shows it
        return payload
    return False


def _assistant_text(keyword: Keyword | None, state: SmsState, body: str) -> str:
    if keyword is Keyword.HUMAN:
        return HUMAN_PAYLOAD
    if keyword is Keyword.ERASE:
        return ERASE_PAYLOAD
    if _is_number(body):
        return state.choices[int(body) - 1]["payload"]
    return body


def receive_sms(
    session: Session,
    conversation: Conversation,
    *,
    message_sid: str,
    body: str,
    keys: Keyring,
    answer: str | None = None,
    limit: Callable[[], Verdict] | None = None,
    now: datetime | None = None,
) -> SmsReceived:
    """Store an inbound SMS once (by MessageSid) and decide who answers it.

    ``answer``, if given, is sent instead of asking anyone (an SMS too long to read).
    Keywords STOPP/START/HILFE/MEHR and unknown digits are answered by the app; a digit
    selects the numbered choice of the last reply with buttons (its payload goes to
    Rasa); MENSCH/0 and LÖSCHEN become intents. While a number is opted out, its
    messages are stored but answered by nobody, until START. ``limit``, if given, counts
    the message against the number's rate (STOPP always passes): over it, the message is
    answered by nobody, or by one ``limit_messages`` notice per window.
    """
    now = now or utcnow()
    state = get_state(session, conversation.id)
    body = body.strip()
    keyword = parse_keyword(body)
    probe = service.receive_message(
        session, conversation, channel_message_id=message_sid, text=body, keys=keys, now=now
    )
    if probe.duplicate:
        return SmsReceived(probe, to_assistant=False, local_reply=False)
    if state.opted_out_at is not None and keyword not in (Keyword.START, Keyword.STOP):
        answer_locally(session, conversation, probe.inbound_id, None, now)
        return SmsReceived(probe, to_assistant=False, local_reply=False)
    if limit is not None and keyword is not Keyword.STOP:
        verdict = limit()
        if not verdict.allowed:
            notice = citizen_text("limit_messages") if verdict.notify else None
            answer_locally(session, conversation, probe.inbound_id, notice, now)
            return SmsReceived(probe, to_assistant=False, local_reply=notice is not None)
    if answer is not None:  # the channel already knows the answer (a too long SMS)
        answer_locally(session, conversation, probe.inbound_id, answer, now)
        return SmsReceived(probe, to_assistant=False, local_reply=True)
    if _depends_on_the_last_answer(keyword, body) and _earlier_unanswered(
        session, conversation.id, probe.inbound_id
    ):
        # MEHR, HILFE and digits refer to the last answer, which is not out yet: the
        # inbox worker answers them in order, after it (``SmsKeywords``).
        state.updated_at = now
        return SmsReceived(probe, to_assistant=True, local_reply=False)
    reply = _local_reply(keyword, state, body, now)
    state.updated_at = now
    if reply is not None:
        outbound_id = answer_locally(session, conversation, probe.inbound_id, reply, now)
        if keyword is Keyword.STOP:
            state.stop_confirmation_id = outbound_id
        return SmsReceived(probe, to_assistant=False, local_reply=True)
    message = session.get(InboundMessage, probe.inbound_id)
    assert message is not None
    message.text = _assistant_text(keyword, state, body)
    state.more_pages = []  # the citizen moved on: MEHR no longer continues the old answer
    return SmsReceived(probe, to_assistant=True, local_reply=False)


@dataclass(frozen=True)
class SendCheck:
    """Whether an outbox row may be sent now."""

    allowed: bool
    reason: str | None = None
    permanent: bool = False


def check_send(
    session: Session,
    conversation_id: int,
    outbound_id: int,
    *,
    per_number_cap: int,
    global_cap: int,
    window: timedelta,
    now: datetime | None = None,
) -> SendCheck:
    """Opt-out and cost caps: opted-out numbers get only the STOPP confirmation; the
    number of SMS per conversation and overall within ``window`` is capped."""
    now = now or utcnow()
    state = session.get(SmsState, conversation_id)
    opted_out = state is not None and state.opted_out_at is not None
    if opted_out and state is not None and state.stop_confirmation_id != outbound_id:
        return SendCheck(False, "opted out", permanent=True)
    since = now - window
    sent_here = session.scalar(
        select(func.count())
        .select_from(SmsMessage)
        .where(SmsMessage.conversation_id == conversation_id, SmsMessage.created_at >= since)
    )
    if (sent_here or 0) >= per_number_cap:
        return SendCheck(False, "per-number SMS cap reached")
    sent_all = session.scalar(
        select(func.count()).select_from(SmsMessage).where(SmsMessage.created_at >= since)
    )
    if (sent_all or 0) >= global_cap:
        return SendCheck(False, "global SMS cap reached")
    return SendCheck(True)


def stored_page(page: SmsPage) -> str | dict[str, Any]:
    """An unsent page as ``SmsState.more_pages`` keeps it."""
    if not page.choices:
        return page.text
    return {"text": page.text, "choices": [stored_choice(button) for button in page.choices]}


def stored_choice(button: Button) -> dict[str, str]:
    """A numbered choice as ``SmsState.choices`` keeps it."""
    return {"title": button.title, "payload": button.payload}


def record_sent(
    session: Session,
    *,
    conversation_id: int,
    outbound_id: int,
    sid: str,
    status: str,
    more_pages: list[str | dict[str, Any]],
    choices: tuple[Button, ...],
    now: datetime | None = None,
) -> None:
    """Remember an SMS handed to Twilio, the pages MEHR sends next and the choices."""
    now = now or utcnow()
    session.add(
        SmsMessage(
            sid=sid,
            conversation_id=conversation_id,
            outbound_message_id=outbound_id,
            status=status[:32],
            created_at=now,
            updated_at=now,
        )
    )
    state = get_state(session, conversation_id)
    if more_pages:
        state.more_pages = more_pages
    if choices:
        state.choices = [stored_choice(button) for button in choices]
    state.updated_at = now


def is_recorded(session: Session, outbound_id: int) -> bool:
    """Whether an SMS for this outbox row reached Twilio and was recorded already (the
    process may have died before it marked the row sent)."""
    found = session.scalar(
        select(SmsMessage.sid).where(SmsMessage.outbound_message_id == outbound_id).limit(1)
    )
    return found is not None


def first_unrecorded(session: Session, sids: list[str]) -> str | None:
    """The first of ``sids`` (in the given order) that no ``sms_message`` row holds."""
    known = set(session.scalars(select(SmsMessage.sid).where(SmsMessage.sid.in_(sids))))
    return next((sid for sid in sids if sid not in known), None)


def opt_out(session: Session, conversation_id: int, *, now: datetime | None = None) -> None:
    """The carrier or Twilio says the number unsubscribed: send nothing more."""
    state = get_state(session, conversation_id)
    state.opted_out_at = state.opted_out_at or now or utcnow()
    state.more_pages = []


def update_status(session: Session, *, sid: str, status: str, error_code: int | None) -> bool:
    """A Twilio status callback: record the delivery state of one SMS."""
    message = session.get(SmsMessage, sid, with_for_update=True)
    if message is None:
        return False
    message.status = status[:32]
    message.error_code = error_code
    message.updated_at = utcnow()
    if error_code == OPTED_OUT_ERROR:
        opt_out(session, message.conversation_id)
    return True
