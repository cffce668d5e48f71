"""A background task that runs one round every few seconds and, when stopped, lets the
round in progress finish (its rows are written before the process goes on)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``round`` now and then every ``interval`` seconds until :meth:`stop`.

    A failed round is logged and retried next time. :meth:`stop` waits up to
    ``stop_timeout`` seconds for the round in progress, then cancels it.
    """

    def __init__(
        self,
        name: str,
        round: Callable[[], Awaitable[None]],
        interval: float,
        *,
        stop_timeout: float = 30.0,
    ) -> None:
        self._name = name
        self._round = round
        self._interval = interval
        self._stop_timeout = stop_timeout
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start on the running loop."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        """Let the round in progress finish (or cancel it after the timeout), then end."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self._stop_timeout)
        except TimeoutError:
            log.warning(
                "%s: round did not finish in %.0f s; cancelled", self._name, self._stop_timeout
            )
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._round()
            except Exception:
                log.exception("%s: round failed; retrying", self._name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
