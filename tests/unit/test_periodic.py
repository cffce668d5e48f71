"""The periodic background task: rounds repeat, a failed round is retried, and stopping
waits for the round in progress instead of abandoning it half done."""

from __future__ import annotations

import asyncio
import threading
import time

from helpdesk.periodic import Periodic


async def test_rounds_repeat_and_a_failed_round_is_retried() -> None:
    rounds: list[int] = []

    async def round_() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("first round fails")

    job = Periodic("test", round_, 0.01)
    job.start()
    for _ in range(200):
        if len(rounds) >= 3:
            break
        await asyncio.sleep(0.01)
    await job.stop()
    assert len(rounds) >= 3


async def test_stop_waits_for_the_round_in_progress() -> None:
    started = threading.Event()
    finished: list[bool] = []

    def slow_work() -> None:
        started.set()
        time.sleep(0.3)
        finished.append(True)

    async def round_() -> None:
        await asyncio.to_thread(slow_work)

    job = Periodic("test", round_, 60)
    job.start()
    await asyncio.to_thread(started.wait, 5)
    await job.stop()
    assert finished == [True]


async def test_stop_cancels_a_round_that_hangs_beyond_the_timeout() -> None:
    cancelled: list[bool] = []

    async def round_() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    job = Periodic("test", round_, 60, stop_timeout=0.1)
    job.start()
    await asyncio.sleep(0.05)
    await job.stop()
    assert cancelled == [True]
