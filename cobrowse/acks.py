"""Cumulative acks to customers' sockets, sent by one task per node and interval.

A timer and a task per socket and interval cost the relay 12-18 µs a batch at 200
sessions x 60 batches/s (bench/cobrowse.py: 60 -> 48 µs of server CPU a batch, p99
10-66 -> 3-4 ms without them). One flusher sends one frame per socket per interval
that saw batches, and nothing while the node is idle.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from store.outage import cancel_and_wait


class AckTarget(Protocol):
    async def send(self, frame: bytes) -> None: ...


def ack_frame(seq: int) -> bytes:
    return b'{"t":"ack","seq":%d}' % seq


class AckFlusher:
    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._pending: dict[AckTarget, int] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def ack(self, target: AckTarget, seq: int, now: bool = False) -> None:
        """Ack ``seq`` (and everything before it) now or with the next flush."""
        if now or self._task is None:
            seq = max(seq, self._pending.pop(target, -1))
            await target.send(ack_frame(seq))
            return
        if seq > self._pending.get(target, -1):
            self._pending[target] = seq
        self._wake.set()

    def forget(self, target: AckTarget) -> None:
        self._pending.pop(target, None)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.interval_s)
            self._wake.clear()
            pending, self._pending = self._pending, {}
            for target, seq in pending.items():
                await target.send(ack_frame(seq))
