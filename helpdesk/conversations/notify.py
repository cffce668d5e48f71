"""In-process wake-ups so work starts at once instead of at the next poll.

Everything here is an optimisation: workers and long polls also poll the database, so
several app processes (scaled-out mode) still see each other's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict


class Notifier:
    """Wake-up signals for the inbox worker, delivery workers and waiting web clients."""

    def __init__(self) -> None:
        self.inbox = asyncio.Event()
        self.outbox = asyncio.Event()
        self._conversation_waiters: defaultdict[int, set[asyncio.Event]] = defaultdict(set)
        self._ticket_waiters: set[asyncio.Event] = set()

    def inbound_stored(self) -> None:
        """A new inbound message waits."""
        self.inbox.set()

    def outbound_stored(self) -> None:
        """A new outbox row waits."""
        self.outbox.set()

    def delivered(self, conversation_id: int) -> None:
        """Something was delivered to a conversation: wake its long polls."""
        for event in self._conversation_waiters.get(conversation_id, ()):
            event.set()

    def tickets_changed(self) -> None:
        """A ticket was opened or got a citizen message: wake the staff queues."""
        for event in self._ticket_waiters:
            event.set()

    def watch_tickets(self) -> asyncio.Event:
        """An event set whenever the help desk queues change."""
        event = asyncio.Event()
        self._ticket_waiters.add(event)
        return event

    def unwatch_tickets(self, event: asyncio.Event) -> None:
        """Stop watching the queues."""
        self._ticket_waiters.discard(event)

    def watch(self, conversation_id: int) -> asyncio.Event:
        """An event set whenever something is delivered to the conversation."""
        event = asyncio.Event()
        self._conversation_waiters[conversation_id].add(event)
        return event

    def unwatch(self, conversation_id: int, event: asyncio.Event) -> None:
        """Stop watching."""
        waiters = self._conversation_waiters.get(conversation_id)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                del self._conversation_waiters[conversation_id]


async def wait_for(event: asyncio.Event, timeout: float) -> None:
    """Wait for ``event`` at most ``timeout`` seconds.

    Callers clear the event *before* they look for work, so a signal that arrives while
    they look is not lost.
    """
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)
