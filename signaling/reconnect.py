"""Reconnect windows: a peer whose socket dropped has ``reconnect_window_s`` to join
the same session again; otherwise the session ends with reason ``reconnect_timeout``.

The timer lives on the node that saw the disconnect. When it fires it checks the
store's peer list, so a rejoin through any node cancels the ending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("coview.signaling.reconnect")

Expire = Callable[[str, str], Awaitable[None]]


class ReconnectDeadlines:
    def __init__(self, window_s: float, expire: Expire) -> None:
        self.window_s = window_s
        self._expire = expire
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}

    def arm(self, session_id: str, peer_id: str) -> None:
        self.cancel(session_id, peer_id)
        key = (session_id, peer_id)
        self._tasks[key] = asyncio.create_task(self._run(key), name=f"reconnect:{key}")

    def cancel(self, session_id: str, peer_id: str) -> None:
        task = self._tasks.pop((session_id, peer_id), None)
        if task is not None:
            task.cancel()

    def pending(self, session_id: str) -> list[str]:
        return [peer for (session, peer) in self._tasks if session == session_id]

    async def _run(self, key: tuple[str, str]) -> None:
        try:
            await asyncio.sleep(self.window_s)
            self._tasks.pop(key, None)
            await self._expire(*key)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ending session %s after reconnect window failed", key[0])

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
