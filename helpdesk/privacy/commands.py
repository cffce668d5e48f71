"""The privacy words every channel understands, handled by the app before Rasa.

- ``LÖSCHEN`` (or Rasa's ``/erase_my_data``): asks "really?" with Ja/Nein buttons.
- ``LÖSCHEN JA`` (the Ja button), or ``JA`` right after the question: erases everything
  and sends the farewell as the last message. ``LÖSCHEN NEIN`` / ``NEIN``: nothing happens.
- ``DATENSCHUTZ``: the short notice again.

They run in the inbox worker, in order with the conversation's other messages, so an
erasure never races an answer that Rasa is still writing, and Rasa's tracker is not
written to while its events are deleted.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import unicodedata
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.conversations import service
from helpdesk.conversations.models import Conversation
from helpdesk.conversations.service import Button, InboundClaim, Reply
from helpdesk.db import Database, utcnow
from helpdesk.privacy.erasure import erase_conversation
from helpdesk.privacy.tracker import RasaTracker
from helpdesk.texts import text

log = logging.getLogger(__name__)

CONFIRM_PAYLOAD = "LÖSCHEN JA"
DENY_PAYLOAD = "LÖSCHEN NEIN"
QUESTION_VALID = timedelta(minutes=15)


class Command(enum.Enum):
    """A privacy word."""

    ERASE = "erase"
    CONFIRM = "confirm"
    DENY = "deny"
    YES = "yes"
    NO = "no"
    NOTICE = "notice"


def _normal(body: str) -> str:
    folded = unicodedata.normalize("NFC", body).strip().rstrip(".!").strip().upper()
    return " ".join(folded.replace(",", " ").split())


_WORDS = {
    "LÖSCHEN": Command.ERASE,
    "LOESCHEN": Command.ERASE,
    "LOSCHEN": Command.ERASE,
    "/ERASE_MY_DATA": Command.ERASE,
    "LÖSCHEN JA": Command.CONFIRM,
    "LOESCHEN JA": Command.CONFIRM,
    "LÖSCHEN NEIN": Command.DENY,
    "LOESCHEN NEIN": Command.DENY,
    "JA": Command.YES,
    "JA BITTE": Command.YES,
    "JA LÖSCHEN": Command.YES,
    "JA ALLES LÖSCHEN": Command.YES,
    "J": Command.YES,
    "NEIN": Command.NO,
    "NEIN DANKE": Command.NO,
    "N": Command.NO,
    "DATENSCHUTZ": Command.NOTICE,
}


def parse_command(body: str) -> Command | None:
    """The privacy word ``body`` consists of, if any."""
    return _WORDS.get(_normal(body))


def erase_question() -> Reply:
    """The confirmation question with its two buttons."""
    return Reply(
        text("erase_question"),
        (Button(text("erase_yes"), CONFIRM_PAYLOAD), Button(text("erase_no"), DENY_PAYLOAD)),
    )


def asks_erasure(replies: list[Reply]) -> bool:
    """True when one of ``replies`` (e.g. Rasa's ``utter_erase_my_data``) offers the Ja button."""
    return any(b.payload == CONFIRM_PAYLOAD for r in replies for b in r.buttons)


class PrivacyCommands:
    """The inbox worker's local handler for the privacy words."""

    def __init__(
        self, db: Database, *, notices: Mapping[str, str], tracker: RasaTracker | None
    ) -> None:
        self._db = db
        self._notices = dict(notices)  # the short notice per channel
        self._tracker = tracker

    async def handle(self, claim: InboundClaim) -> bool:
        """Answer ``claim`` here if it is a privacy word; False: let Rasa answer."""
        return await asyncio.to_thread(self._handle, claim)

    def before_complete(self, session: Session, claim: InboundClaim, replies: list[Reply]) -> None:
        """Remember that Rasa asked "really erase?", so that a typed JA confirms."""
        if asks_erasure(replies):
            conversation = session.get(Conversation, claim.conversation_id)
            if conversation is not None:
                conversation.erase_asked_at = utcnow()

    def _handle(self, claim: InboundClaim) -> bool:
        command = parse_command(claim.text)
        if command is None:
            # The common case: no privacy word, no open question. Read only, so that
            # ordinary messages do not queue on SQLite's write lock here.
            with self._db.read_session() as session:
                asked_at = session.scalar(
                    select(Conversation.erase_asked_at).where(
                        Conversation.id == claim.conversation_id
                    )
                )
            if asked_at is None:
                return False
        now = utcnow()
        with self._db.session() as session:
            conversation = session.get(Conversation, claim.conversation_id)
            if conversation is None:
                return False
            asked = conversation.erase_asked_at is not None and (
                now - conversation.erase_asked_at < QUESTION_VALID
            )
            if command in (Command.YES, Command.NO) and not asked:
                command = None
            if command is None:
                if conversation.erase_asked_at is not None:
                    conversation.erase_asked_at = None  # the citizen moved on
                return False
            if service.holds_claim(session, claim) is None:
                return True  # another worker took it over; it answers
            if command in (Command.CONFIRM, Command.YES):
                erase_conversation(
                    session,
                    claim.conversation_id,
                    actor="citizen",
                    tracker=self._tracker,
                    farewell=text("erase_done"),
                    up_to_inbound=claim.inbound_id,
                    now=now,
                )
                return True
            if command is Command.ERASE:
                reply = erase_question()
                conversation.erase_asked_at = now
            elif command in (Command.DENY, Command.NO):
                reply = Reply(text("erase_cancelled"))
                conversation.erase_asked_at = None
            else:
                reply = Reply(self._notices.get(claim.channel) or self._notices["sms"])
            service.complete_inbound(session, claim, [reply], empty_reply=reply, now=now)
        return True
