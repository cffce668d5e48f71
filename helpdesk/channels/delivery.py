"""Delivery workers: send outbox rows through their channel, with retries and backoff."""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass
from typing import Protocol

from helpdesk.conversations import service
from helpdesk.conversations.loop import ClaimLoop
from helpdesk.conversations.notify import Notifier
from helpdesk.conversations.service import OutboundClaim
from helpdesk.db import Database
from helpdesk.privacy.crypto import Keyring

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    """Result of one delivery attempt."""

    SENT = "sent"
    RETRY = "retry"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Delivery:
    """What a sender reports; ``retry_after`` overrides the backoff (e.g. HTTP 429)."""

    outcome: Outcome
    error: str | None = None
    retry_after: float | None = None


class Sender(Protocol):
    """A channel's way out."""

    async def send(self, claim: OutboundClaim) -> Delivery:
        """Try once to deliver ``claim``."""
        ...


class DeliveryObserver(Protocol):
    """Told about every delivery attempt (helpdesk.metrics counts them); must not block."""

    def delivery_attempted(self, channel: str, outcome: Outcome) -> None:
        """One attempt on ``channel`` ended with ``outcome``."""
        ...


class WebSender:
    """The web chat is pulled by the browser: delivering means making it visible."""

    async def send(self, claim: OutboundClaim) -> Delivery:
        return Delivery(Outcome.SENT)


class OutboxDelivery:
    """Runs delivery tasks over the outbox rows of the channels it has senders for."""

    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        notifier: Notifier,
        *,
        keys: Keyring,
        concurrency: int = 2,
        lease_seconds: float = 60.0,
        retry_max_seconds: float = 300.0,
        poll_interval: float = 0.5,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self._db = db
        self._observer = observer
        self._senders = senders
        self._channels = tuple(senders)
        self._notifier = notifier
        self._keys = keys
        self._lease = lease_seconds
        self._retry_max = retry_max_seconds
        self._loop = ClaimLoop(
            "delivery",
            self._claim,
            self.deliver,
            notifier.outbox,
            concurrency=concurrency,
            poll_interval=poll_interval,
        )

    def start(self) -> None:
        """Start the tasks on the running loop."""
        self._loop.start()

    async def stop(self) -> None:
        """Cancel the tasks; claimed rows are released by lease or at start-up."""
        await self._loop.stop()

    def _claim(self) -> OutboundClaim | None:
        with self._db.session() as session:
            return service.claim_next_outbound(
                session, channels=self._channels, keys=self._keys, lease_seconds=self._lease
            )

    async def deliver(self, claim: OutboundClaim) -> None:
        """One attempt; the result is recorded whatever happens."""
        try:
            result = await self._senders[claim.channel].send(claim)
        except Exception as exc:  # an unexpected sender error is treated as transient
            log.exception("delivery: sender error on outbox row %s", claim.outbound_id)
            result = Delivery(Outcome.RETRY, error=type(exc).__name__)
        retry_in: float | None = None
        if result.outcome is Outcome.RETRY:
            retry_in = result.retry_after or service.backoff_seconds(
                claim.attempts, self._retry_max
            )
        await asyncio.to_thread(self._finish, claim, result, retry_in)
        if self._observer is not None:
            self._observer.delivery_attempted(claim.channel, result.outcome)
        if result.outcome is Outcome.SENT:
            self._notifier.delivered(claim.conversation_id)
        elif result.outcome is Outcome.PERMANENT:
            log.warning(
                "delivery: outbox row %s failed for good (%s)", claim.outbound_id, result.error
            )
        else:
            self._notifier.outbound_stored()

    def _finish(self, claim: OutboundClaim, result: Delivery, retry_in: float | None) -> None:
        with self._db.session() as session:
            service.finish_outbound(
                session,
                claim,
                sent=result.outcome is Outcome.SENT,
                error=result.error,
                retry_in_seconds=retry_in,
            )
