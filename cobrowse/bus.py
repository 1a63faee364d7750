"""Carries co-browse frames to every node that has a socket of the session.

``LocalBus`` (one node) hands a frame straight to this node's hub; ``RedisBus`` (several
nodes) publishes it on the session's channel (``cobrowse:{sid}``) and each subscribed
node, this one included, hands it to its hub. A message is one audience byte (``C``
the customer's sharing tab, ``V`` the viewers, ``E`` everyone, then close: the
session ended, ``P`` the id of the customer connection that now shares) followed by
the frame.

Redis going away: the reader keeps polling; redis-py's PubSub reconnects on the next
read that finds Redis back and subscribes again to every channel it had, so the bus
recovers by itself (frames published meanwhile are lost: viewers resynchronise from
the checkpoint when their sockets reconnect). ``ready`` says whether the last read
reached Redis, for ``/readyz``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as aioredis

from store.outage import STORE_OUTAGES, cancel_and_wait, raise_if_cancelled
from store.redis.connection import RedisTarget, close_client, redis_client
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
    @property
    def ready(self) -> bool: ...


class LocalBus:
    ready = True

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


# How long the reader waits for a message before looking again, and after a failed read.
POLL_S = 1.0
RETRY_S = 0.25


class RedisBus:
    def __init__(self, target: RedisTarget, prefix: str) -> None:
        self._target = target
        self._keys = RedisKeys(prefix)
        self._channel_prefix = self._keys.cobrowse_channel("").encode()
        self._redis: aioredis.Redis | None = None
        self._pubsub: aioredis.client.PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._deliver: Deliver | None = None
        self.ready = False

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._redis = redis_client(self._target, decode_responses=False)
        self._pubsub = self._redis.pubsub()
        # A placeholder subscription so the reader has a live connection from the start.
        await self._pubsub.subscribe(self._channel_prefix + b"-")
        self.ready = True
        self._reader = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._reader is not None:
            await cancel_and_wait(self._reader)
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._redis is not None:
            await close_client(self._redis)

    async def subscribe(self, session_id: str) -> None:
        assert self._pubsub is not None
        await self._pubsub.subscribe(self._keys.cobrowse_channel(session_id))

    async def unsubscribe(self, session_id: str) -> None:
        assert self._pubsub is not None
        try:
            await self._pubsub.unsubscribe(self._keys.cobrowse_channel(session_id))
        except STORE_OUTAGES:
            # Still subscribed (again, after a reconnect): harmless, the hub drops
            # frames of sessions it has no socket of (until this node restarts).
            log.debug("co-browse bus: unsubscribe from %s failed", session_id)

    async def publish(self, session_id: str, audience: bytes, frame: bytes) -> None:
        assert self._redis is not None
        await self._redis.publish(self._keys.cobrowse_channel(session_id), audience + frame)

    async def _read(self) -> None:
        assert self._pubsub is not None and self._deliver is not None
        prefix_len = len(self._channel_prefix)
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=POLL_S
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise_if_cancelled(exc)
                if self.ready:
                    log.warning("co-browse bus: Redis unreachable (%r); retrying", exc)
                self.ready = False
                await asyncio.sleep(RETRY_S)
                continue
            if not self.ready:
                log.info("co-browse bus: Redis reachable again")
                self.ready = True
            if message is None or message.get("type") != "message":
                continue
            channel: bytes = message["channel"]
            data: bytes = message["data"]
            try:
                await self._deliver(channel[prefix_len:].decode(), data[:1], data[1:])
            except Exception:
                log.exception("co-browse bus: delivering a frame failed")


def open_bus(store_kind: str, target: RedisTarget, prefix: str) -> Bus:
    """The same choice as the store: Redis when several nodes share it."""
    return RedisBus(target, prefix) if store_kind == "redis" else LocalBus()
