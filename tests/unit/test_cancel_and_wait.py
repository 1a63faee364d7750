"""Stopping a background loop: a lost cancel is sent again, and a stop is bounded."""

from __future__ import annotations

import asyncio
import contextlib

from store.outage import cancel_and_wait


async def test_a_loop_that_swallows_a_cancel_stops_on_the_next_one() -> None:
    swallowed = 0

    async def loop() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1  # as redis-py can lose one, turned into a timeout

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.cancelled() and swallowed == 1


async def test_a_task_that_never_ends_does_not_hang_the_stop() -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await released.wait()

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    started = asyncio.get_running_loop().time()
    await cancel_and_wait(task, bound_s=0.3)
    assert not task.done()
    assert asyncio.get_running_loop().time() - started < 2
    released.set()  # let it end, so nothing outlives the test
    await task
