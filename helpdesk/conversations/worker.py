"""The inbox worker: takes each conversation's next message in order and asks Rasa."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from helpdesk.conversations import service
from helpdesk.conversations.loop import ClaimLoop
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import InboundClaim, Reply
from helpdesk.db import Database, utcnow
from helpdesk.texts import text

log = logging.getLogger(__name__)


class Assistant(Protocol):
    """What the worker needs from Rasa."""

    async def send(self, sender: str, text: str, metadata: dict[str, object]) -> list[Reply]:
        """Replies to ``text`` from ``sender``; raises on transient failure."""
        ...


Pause = Callable[[Session, InboundClaim], bool]
"""Decides, inside the unit of work, that a person answers this message instead of the
bot; when it returns True it has already recorded the message (see helpdesk.tickets)."""


class LocalHandler(Protocol):
    """Answers some messages in the app itself, before Rasa (e.g. the privacy words)."""

    async def handle(self, claim: InboundClaim) -> bool | str:
        """True when ``claim`` was answered (and completed) here; a string is the text to
        give Rasa instead of the message's own (a numbered choice's payload, say)."""
        ...

    def before_complete(self, session: Session, claim: InboundClaim, replies: list[Reply]) -> None:
        """Look at Rasa's replies in the transaction that completes the message."""
        ...


class TurnOutcome(enum.StrEnum):
    """How a citizen's message was finished."""

    BOT = "bot"  # Rasa answered
    APP = "app"  # answered by the app itself (a local handler)
    HELPDESK = "helpdesk"  # went into an open ticket's thread
    APOLOGY = "apology"  # given up after ``give_up_after_seconds``


class TurnObserver(Protocol):
    """Told about every turn (helpdesk.metrics counts them); must not block or raise."""

    def turn_finished(self, channel: str, outcome: TurnOutcome, seconds: float) -> None:
        """A message is done, ``seconds`` after it arrived."""
        ...

    def turn_retried(self, channel: str, reason: str) -> None:
        """A message goes back to wait: "assistant_unavailable" or "claim_lost"."""
        ...


class InboxWorker:
    """Runs ``concurrency`` tasks that claim, process and complete inbound messages."""

    def __init__(
        self,
        db: Database,
        assistant: Assistant,
        notifier: Notifier,
        *,
        transient_errors: tuple[type[BaseException], ...],
        concurrency: int = 8,
        lease_seconds: float = 60.0,
        retry_max_seconds: float = 30.0,
        poll_interval: float = 0.5,
        give_up_after_seconds: float = 6 * 3600,
        pause: Pause | None = None,
        local: LocalHandler | None = None,
        observer: TurnObserver | None = None,
    ) -> None:
        self._db = db
        self._observer = observer
        self._pause = pause
        self._local = local
        self._assistant = assistant
        self._notifier = notifier
        self._transient = transient_errors
        self._lease = lease_seconds
        self._retry_max = retry_max_seconds
        self._give_up_after = timedelta(seconds=give_up_after_seconds)
        self._loop = ClaimLoop(
            "inbox",
            self._claim,
            self.process,
            notifier.inbox,
            concurrency=concurrency,
            poll_interval=poll_interval,
        )

    def start(self) -> None:
        """Start the tasks on the running loop."""
        self._loop.start()

    async def stop(self) -> None:
        """Cancel the tasks; claimed rows are released by lease or at start-up."""
        await self._loop.stop()

    def _claim(self) -> InboundClaim | None:
        with self._db.session() as session:
            return service.claim_next_inbound(session, lease_seconds=self._lease)

    async def process(self, claim: InboundClaim) -> None:
        """Ask the assistant and record the outcome; never loses the message."""
        # The privacy words (LÖSCHEN, DATENSCHUTZ) work even while a person handles the
        # conversation; everything else then goes to the ticket thread, not to the bot.
        handled = await self._local.handle(claim) if self._local is not None else False
        if handled is True:
            log.info("inbox: message %s answered by the app", claim.inbound_id)
            self._finished(claim, TurnOutcome.APP)
            self._notifier.outbound_stored()
            return
        assistant_text = handled if isinstance(handled, str) else claim.text
        if self._pause is not None and await asyncio.to_thread(self._paused, claim):
            log.info("inbox: message %s handed to the help desk", claim.inbound_id)
            self._finished(claim, TurnOutcome.HELPDESK)
            self._notifier.tickets_changed()
            return
        try:
            replies = await self._assistant.send(
                claim.pseudonym, assistant_text, {"channel": claim.channel}
            )
        except self._transient as exc:
            gave_up = await asyncio.to_thread(self._defer, claim, f"{type(exc).__name__}: {exc}")
            if gave_up:
                self._finished(claim, TurnOutcome.APOLOGY)
            elif self._observer is not None:
                self._observer.turn_retried(claim.channel, "assistant_unavailable")
            self._notifier.outbound_stored()
            return
        done = await asyncio.to_thread(self._complete, claim, replies)
        if done:
            log.info("inbox: message %s answered with %d replies", claim.inbound_id, len(replies))
            self._finished(claim, TurnOutcome.BOT)
            self._notifier.outbound_stored()
        else:
            log.warning("inbox: lost the claim on message %s; not answering", claim.inbound_id)
            if self._observer is not None:
                self._observer.turn_retried(claim.channel, "claim_lost")

    def _finished(self, claim: InboundClaim, outcome: TurnOutcome) -> None:
        if self._observer is not None:
            seconds = (utcnow() - claim.received_at).total_seconds()
            self._observer.turn_finished(claim.channel, outcome, max(0.0, seconds))

    def _paused(self, claim: InboundClaim) -> bool:
        assert self._pause is not None
        with self._db.session() as session:
            return self._pause(session, claim)

    def _complete(self, claim: InboundClaim, replies: list[Reply]) -> bool:
        with self._db.session() as session:
            if self._local is not None:
                self._local.before_complete(session, claim, replies)
            return service.complete_inbound(
                session, claim, replies, empty_reply=Reply(text("empty_reply"))
            )

    def _defer(self, claim: InboundClaim, error: str) -> bool:
        """Put the message back to wait; True when it was given up on instead."""
        with self._db.session() as session:
            if utcnow() - claim.received_at > self._give_up_after:
                service.fail_inbound(
                    session, claim, error=error, apology=Reply(text("processing_failed"))
                )
                log.error(
                    "inbox: message %s unanswered after %d attempts; apologised",
                    claim.inbound_id,
                    claim.attempts,
                )
                return True
            held = service.defer_inbound(
                session,
                claim,
                error=error,
                holding_reply=Reply(text("holding_reply")),
                retry_max_seconds=self._retry_max,
            )
        log.warning(
            "inbox: assistant unavailable for message %s (attempt %d, %s)%s",
            claim.inbound_id,
            claim.attempts,
            error,
            "; holding reply sent" if held else "",
        )
        return False


class LocalHandlers:
    """Several local handlers, asked in turn; the first that answers wins. A handler that
    rewrites the text (a numbered choice into its payload) passes the new text on, so
    later handlers see what the citizen chose ("1" = "LÖSCHEN JA", say)."""

    def __init__(self, *handlers: LocalHandler) -> None:
        self._handlers = handlers

    async def handle(self, claim: InboundClaim) -> bool | str:
        """See ``LocalHandler.handle``."""
        result: bool | str = False
        for handler in self._handlers:
            handled = await handler.handle(claim)
            if handled is True:
                return True
            if isinstance(handled, str):
                claim = replace(claim, text=handled)
                result = handled
        return result

    def before_complete(self, session: Session, claim: InboundClaim, replies: list[Reply]) -> None:
        """See ``LocalHandler.before_complete``."""
        for handler in self._handlers:
            handler.before_complete(session, claim, replies)
