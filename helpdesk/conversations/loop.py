"""The loop shared by the inbox workers and the delivery workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from helpdesk.conversations.notify import wait_for

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClaimLoop(Generic[T]):
    """``concurrency`` tasks that claim work (in a thread), handle it, and when there is
    none, sleep until ``wake`` is set or ``poll_interval`` passes."""

    def __init__(
        self,
        name: str,
        claim: Callable[[], T | None],
        handle: Callable[[T], Awaitable[None]],
        wake: asyncio.Event,
        *,
        concurrency: int,
        poll_interval: float,
    ) -> None:
        self._name = name
        self._claim = claim
        self._handle = handle
        self._wake = wake
        self._concurrency = concurrency
        self._poll = poll_interval
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the tasks on the running loop."""
        for number in range(self._concurrency):
            self._tasks.append(asyncio.create_task(self._run(), name=f"{self._name}-{number}"))

    async def stop(self) -> None:
        """Cancel the tasks; claimed rows are released by lease or at start-up."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self) -> None:
        while True:
            # Cleared before looking, so a wake-up that comes while we look is kept.
            self._wake.clear()
            try:
                work = await asyncio.to_thread(self._claim)
            except Exception:
                log.exception("%s: claiming failed", self._name)
                work = None
            if work is None:
                await wait_for(self._wake, self._poll)
                continue
            try:
                await self._handle(work)
            except Exception:
                # The claim's repr leaves out texts and addresses (personal data).
                log.exception("%s: handling %r failed", self._name, work)
