"""A Socket.IO test client that records every event it receives."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import socketio


class SioPeer:
    def __init__(self, namespace: str = "/session") -> None:
        self.namespace = namespace
        self.client = socketio.AsyncClient(reconnection=False)
        self._queues: defaultdict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.client.on("*", self._record, namespace=namespace)

    async def _record(self, event: str, data: Any = None) -> None:
        await self._queues[event].put(data)

    async def connect(self, url: str, token: str) -> SioPeer:
        await self.client.connect(
            url,
            namespaces=[self.namespace],
            transports=["websocket"],
            auth={"token": token},
            wait_timeout=5,
        )
        return self

    async def call(self, event: str, data: Any = None) -> dict[str, Any]:
        ack: dict[str, Any] = await self.client.call(
            event, data, namespace=self.namespace, timeout=5
        )
        return ack

    async def next(self, event: str, wait_s: float = 5) -> Any:
        return await asyncio.wait_for(self._queues[event].get(), wait_s)

    def pending(self, event: str) -> int:
        return self._queues[event].qsize()

    async def close(self) -> None:
        await self.client.disconnect()
