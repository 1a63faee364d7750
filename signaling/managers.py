"""Socket.IO client managers that hand an emit to its recipients' queues directly.

python-socketio's ``AsyncManager.emit`` makes one task per recipient and waits for them
all, even for a single console. Handing a packet to a socket only puts it on the
socket's unbounded send queue (its own writer task sends it), so it never really
suspends: the tasks bought nothing but their cost, a tenth of a busy node's emits.
Emits with a callback (an ack id per recipient) keep the library's path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import redis.asyncio as aioredis
import socketio
from engineio import packet as eio_packet
from socketio import packet

from server.platform.jsonio import dumps_bytes
from store.outage import STORE_OUTAGES, cancel_and_wait, raise_if_cancelled
from store.redis.connection import RedisTarget, close_client, redis_client

log = logging.getLogger("coview.signaling")

# The listener polls this often, and subscribes again this soon after losing Redis
# (the library backs off up to 60 s, which would keep nodes deaf long after Redis is
# back).
POLL_S = 1.0
RETRY_S = 0.25
# How long an emit for the other nodes waits for others to share its PUBLISH.
PUBLISH_LINGER_S = 0.004


class DirectManager(socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        # as in the library: a tuple is several arguments, None none
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        recipients = [e for s, e in self.get_participants(namespace, room) if s not in skip]
        if not recipients:
            return
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, p)
            for p in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for eio_sid in recipients:
            for frame in frames:
                await self.server._send_eio_packet(eio_sid, frame)

    async def emit_local(self, event: str, data: Any, namespace: str) -> None:
        """To every client of ``namespace`` connected to this node only (never through
        Redis, which would reach the other nodes' clients too)."""
        await DirectManager.emit(self, event, data, namespace)


class _Codec:
    """The pub/sub messages' JSON: orjson, and text encoded already passes through."""

    @staticmethod
    def dumps(value: Any) -> bytes:
        return value if isinstance(value, bytes) else dumps_bytes(value)

    @staticmethod
    def loads(value: str | bytes) -> Any:
        return orjson.loads(value)


class DirectRedisManager(socketio.AsyncRedisManager, DirectManager):  # type: ignore[misc]
    """Across nodes through Redis; the local delivery (``AsyncPubSubManager`` calls its
    base's ``emit``) resolves to ``DirectManager.emit`` by the method order.

    The library's emit walks the whole payload in Python to find binary attachments and
    encodes the message with the stdlib: for a console's escalation payload that cost
    more than the publish. Here a payload orjson can encode has no bytes in it, so it is
    encoded once and published as is; the others (bytes, callbacks) take the library's
    path.

    Its Redis client comes from ``store/redis/connection.py`` (bounded, Sentinel-aware)
    and lives as long as the node; on a lost connection the listener subscribes again
    every ``RETRY_S`` until Redis answers, and ``ready`` says whether it is subscribed
    (``/readyz``). Emits published while Redis is away are lost, as with the library.
    """

    def __init__(self, target: RedisTarget, channel: str) -> None:
        super().__init__(target.url, channel=channel)
        self._target = target
        self._redis: aioredis.Redis | None = None  # the library's self.redis is unused
        self.ready = False
        self._outbox: list[bytes] = []  # encoded emits waiting for ``_send_queued``
        self._sender: asyncio.Task[None] | None = None

    def _client(self) -> aioredis.Redis:
        if self._redis is None:
            self._redis = redis_client(self._target, decode_responses=False)
        return self._redis

    def _redis_connect(self) -> None:
        self.pubsub = self._client().pubsub(ignore_subscribe_messages=True)
        self.connected = True

    def _set_ready(self, ready: bool, error: BaseException | None = None) -> None:
        if ready and not self.ready:
            log.info("Socket.IO pub/sub: subscribed to Redis")
        elif not ready and self.ready:
            log.warning("Socket.IO pub/sub: Redis unreachable (%r); retrying", error)
        self.ready = ready

    async def _publish(self, data: Any) -> None:
        """The library's messages to the other nodes (binary emits, callbacks, rooms)
        join the same queue as the fast path's, so all leave in the order made."""
        self._queue(_Codec.dumps(data))

    async def _publish_now(self, data: bytes) -> None:
        try:
            await self._client().publish(self.channel, data)
        except STORE_OUTAGES as exc:
            raise_if_cancelled(exc)
            # The other nodes miss this emit; their clients catch up from the store
            # when they reconnect or re-read.
            self._set_ready(False, exc)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        while True:
            self._redis_connect()
            pubsub = self.pubsub
            try:
                await pubsub.subscribe(self.channel)
                self._set_ready(True)
                while True:
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=POLL_S
                    )
                    if message is not None:
                        yield message
            except STORE_OUTAGES as exc:
                raise_if_cancelled(exc)
                self._set_ready(False, exc)
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            await asyncio.sleep(RETRY_S)

    def _queue(self, encoded: bytes) -> None:
        """Publish ``encoded`` with the other emits of this turn of the loop."""
        self._outbox.append(encoded)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_queued())

    async def _send_queued(self) -> None:
        """One PUBLISH for the emits queued meanwhile: a lifecycle's emits come in
        bursts (an offer and the agent's presence, the holder's change and the queue),
        and each PUBLISH costs this node a round trip and every node a message to read.
        One sender at a time, so emits reach the other nodes in the order they were
        made."""
        # The emits of the next few milliseconds join in: a lifecycle step's emits are
        # apart by its Redis round trips, and one message is cheaper for every node.
        await asyncio.sleep(PUBLISH_LINGER_S)
        while self._outbox:
            batch, self._outbox = self._outbox, []
            try:
                await self._publish_now(batch[0] if len(batch) == 1 else self._batch(batch))
            except Exception:
                log.exception("Socket.IO publish failed")

    def _batch(self, encoded: list[bytes]) -> bytes:
        """Several messages as one (``host_id`` first, see ``_listen``)."""
        return b"".join(
            (self._own_prefix, b',"method":"emits","emits":[', b",".join(encoded), b"]}")
        )

    async def close(self) -> None:
        """Stops the sender and the listener and closes the Redis client."""
        if self._sender is not None:
            await cancel_and_wait(self._sender)
        thread = getattr(self, "thread", None)
        if isinstance(thread, asyncio.Task):
            await cancel_and_wait(thread)
        if self._redis is not None:
            await close_client(self._redis)
            self._redis = None

    def set_server(self, server: Any) -> None:
        super().set_server(server)
        self.json = _Codec  # set_server installs the packet class's JSON module

    @property
    def _own_prefix(self) -> bytes:
        """How this node's own fast-path messages begin (``host_id`` is encoded first)."""
        return b'{"host_id":' + orjson.dumps(self.host_id)

    async def _listen(self) -> AsyncIterator[Any]:
        """Redis sends a node its own publishes too; the library decodes each whole
        before it sees the ``host_id`` and drops it. This node's own emits are dropped
        by their first bytes instead; another node's batch (``_send_queued``) is
        decoded once and handed on as its emits (any library-encoded message goes on
        as before)."""
        own = self._own_prefix
        async for message in super()._listen():
            if isinstance(message, bytes):
                if message.startswith(own):
                    continue
                if message.startswith(b'{"host_id":'):
                    data = orjson.loads(message)
                    if data.get("method") == "emits":
                        for emit in data["emits"]:
                            yield emit
                        continue
                    yield data
                    continue
            yield message

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        namespace = namespace or "/"
        if callback is not None or kwargs.get("ignore_queue"):
            await super().emit(event, data, namespace, room, skip_sid, callback, **kwargs)
            return
        message = {
            "host_id": self.host_id,  # first: see ``_listen``
            "method": "emit",
            "event": event,
            "data": list(data) if isinstance(data, tuple) else [data],
            "binary": False,
            "namespace": namespace,
            "room": room,
            "skip_sid": skip_sid,
            "callback": None,
        }
        try:
            encoded = orjson.dumps(message)
        except orjson.JSONEncodeError:
            await super().emit(event, data, namespace, room, skip_sid, **kwargs)
            return
        await DirectManager.emit(self, event, data, namespace, room=room, skip_sid=skip_sid)
        self._queue(encoded)  # the other nodes
