"""Carries co-browse frames to every node that has a socket of the session.

``LocalBus`` (one node) hands a frame straight to this node's hub; ``RedisBus`` (several
nodes) publishes it on the session's channel (``cobrowse:{sid}``) and each subscribed
node, this one included, hands it to its hub. A message is one audience byte (``C``
the customer's sharing tab, ``V`` the viewers, ``E`` everyone, then close: the
session ended, ``P`` the id of the customer connection that now shares) followed by
the frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as aioredis

from store.redis.keys import RedisKeys

log = logging.getLogger("coview.cobrowse")

Deliver = Callable[[str, bytes, bytes], Awaitable[None]]  # session id, audience, frame

TO_CUSTOMER = b"C"
TO_VIEWERS = b"V"
END = b"E"
PUBLISHER = b"P"


class Bus(Protocol):
    async def start(self, deliver: Deliver) -> None: ...
    async def stop(self) -> None: ...
    async def subscribe(self, session_id: str) -> None: ...
    async def unsubscribe(self, session_id: str) -> None: ...
    async def publish(self, session_id: str, audience: bytes, frame: bytes) -> None: ...


class LocalBus:
    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    async def subscribe(self, session_id: str) -> None:
        pass

    async def unsubscribe(self, session_id: str) -> None:
        pass

    async def publish(self, session_id: str, audience: bytes, frame: bytes) -> None:
        if self._deliver is not None:
            await self._deliver(session_id, audience, frame)


class RedisBus:
    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self._keys = RedisKeys(prefix)
        self._channel_prefix = self._keys.cobrowse_channel("").encode()
        self._redis: aioredis.Redis | None = None
        self._pubsub: aioredis.client.PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._redis = aioredis.from_url(self._url, decode_responses=False)
        self._pubsub = self._redis.pubsub()
        # A placeholder subscription so the reader has a live connection from the start.
        await self._pubsub.subscribe(self._channel_prefix + b"-")
        self._reader = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def subscribe(self, session_id: str) -> None:
        assert self._pubsub is not None
        await self._pubsub.subscribe(self._keys.cobrowse_channel(session_id))

    async def unsubscribe(self, session_id: str) -> None:
        assert self._pubsub is not None
        await self._pubsub.unsubscribe(self._keys.cobrowse_channel(session_id))

    async def publish(self, session_id: str, audience: bytes, frame: bytes) -> None:
        assert self._redis is not None
        await self._redis.publish(self._keys.cobrowse_channel(session_id), audience + frame)

    async def _read(self) -> None:
        assert self._pubsub is not None and self._deliver is not None
        prefix_len = len(self._channel_prefix)
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("co-browse bus: reading from Redis failed")
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel: bytes = message["channel"]
            data: bytes = message["data"]
            try:
                await self._deliver(channel[prefix_len:].decode(), data[:1], data[1:])
            except Exception:
                log.exception("co-browse bus: delivering a frame failed")


def open_bus(store_kind: str, redis_url: str, prefix: str) -> Bus:
    """The same choice as the store: Redis when several nodes share it."""
    return RedisBus(redis_url, prefix) if store_kind == "redis" else LocalBus()
