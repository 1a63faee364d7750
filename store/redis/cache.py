"""Local copies of records every request reads, kept current across nodes by pub/sub.

Authentication reads an agent (or an API key) and the token deny-list on every request;
from Redis that is two round trips each time. Here each node keeps them in memory and
every write announces itself on one channel (``invalidate``): a node that writes drops
its own copy at once, the others when the message arrives (bounded by pub/sub delivery,
a millisecond on a healthy link). Copies are used only while this node is subscribed:
when the subscription drops, every copy is dropped and reads go to Redis until it is
back (a message missed meanwhile cannot leave a stale copy behind). A link that breaks
without closing is found by a ping when the channel is quiet: a copy can miss a change
for at most ``SILENT_S`` then. A read that raced with an invalidation is not kept
(``generation``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import redis.asyncio as aioredis

log = logging.getLogger("coview.store.cache")

V = TypeVar("V")

CACHE_SIZE = 20_000
RESUBSCRIBE_S = 0.5  # wait before subscribing again after the link broke
# A quiet channel is pinged every IDLE_READ_S; one silent for SILENT_S (a link that broke
# without closing) counts as lost. That bounds how long a copy can miss a change.
IDLE_READ_S = 0.5
SILENT_S = 1.5
STOP_S = 2.0  # at most this long to stop the listener


class LocalCache(Generic[V]):
    """A bounded LRU map whose entries an invalidation drops. None is a value too (the
    record does not exist): ``lookup`` says whether there is an entry at all."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._items: OrderedDict[str, V | None] = OrderedDict()
        self._size = size

    def lookup(self, key: str) -> tuple[bool, V | None]:
        if key not in self._items:
            return False, None
        self._items.move_to_end(key)
        return True, self._items[key]

    def put(self, key: str, value: V | None) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


class DenyList:
    """Revoked token ids until they expire (the tokens are refused anyway then)."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._next_prune = 0.0

    def add(self, jti: str, until: float) -> None:
        self._until[jti] = until
        now = time.time()
        if now >= self._next_prune:
            self._until = {j: u for j, u in self._until.items() if u > now}
            self._next_prune = now + 60

    def __contains__(self, jti: str) -> bool:
        until = self._until.get(jti)
        return until is not None and until > time.time()

    def clear(self) -> None:
        self._until.clear()


Handler = Callable[[str, str], None]


class _LinkBreaks:
    """Counts the reconnects of one pub/sub connection (redis-py calls ``seen`` on each;
    it keeps a weak reference to the method, so the owner keeps this object)."""

    def __init__(self) -> None:
        self.count = 0

    def seen(self, _connection: object) -> None:
        self.count += 1

    def check(self) -> None:
        if self.count:
            raise ConnectionError("the link broke and was reconnected")


class Invalidations:
    """The subscription to the invalidation channel and what each kind of message does.

    A message is ``kind\\nident\\nextra``. ``on_live`` runs each time the subscription
    is (re)established, before the copies are used again (the deny-list loads there)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.live = False
        self.generation = 0  # bumped by every invalidation: a read across one is not kept
        self._handlers: dict[str, Handler] = {}
        self._quiet: set[str] = set()  # kinds that change no copy: no generation bump
        self._resets: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None

    def handle(
        self, kind: str, handler: Handler, reset: Callable[[], None], *, bumps: bool = True
    ) -> None:
        """``handler(ident, extra)`` for messages of ``kind``; ``reset`` drops all.
        ``bumps=False``: news that invalidates no copy (reads racing with it are kept)."""
        self._handlers[kind] = handler
        self._resets.append(reset)
        if not bumps:
            self._quiet.add(kind)

    def apply(self, kind: str, ident: str, extra: str = "") -> None:
        """A change seen here: this node's own write or another node's message."""
        if kind not in self._quiet:
            self.generation += 1
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(ident, extra)

    @staticmethod
    def message(kind: str, ident: str, extra: str = "") -> str:
        return f"{kind}\n{ident}\n{extra}"

    def _reset(self) -> None:
        self.live = False
        self.generation += 1
        for reset in self._resets:
            reset()

    def start(self, redis: aioredis.Redis, on_live: Callable[[], Awaitable[None]]) -> asyncio.Event:
        """Subscribe in the background; the event is set once the copies are in use."""
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._run(redis, on_live, ready))
        return ready

    async def stop(self) -> None:
        task, self._task = self._task, None
        # redis-py can swallow a cancel that lands while it subscribes: cancel again
        # until the task has ended (the next cancel wakes its next read), for a bounded
        # time: closing the store must not hang on a connection's teardown.
        deadline = time.monotonic() + STOP_S
        while task is not None and not task.done() and time.monotonic() < deadline:
            task.cancel()
            await asyncio.wait([task], timeout=0.05)
        if task is not None and not task.done():
            log.warning("invalidation listener did not stop within %s s", STOP_S)
        elif task is not None and not task.cancelled() and task.exception() is not None:
            log.warning("invalidation listener failed", exc_info=task.exception())
        self._reset()

    async def _run(
        self,
        redis: aioredis.Redis,
        on_live: Callable[[], Awaitable[None]],
        ready: asyncio.Event,
    ) -> None:
        while True:
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    # The client retries a broken connection once, and redis-py then
                    # resubscribes unseen: what was published in the gap is lost, so a
                    # reconnect must count as a lost link (copies dropped), not go unseen.
                    breaks = _LinkBreaks()
                    assert pubsub.connection is not None
                    pubsub.connection.register_connect_callback(breaks.seen)
                    while (await pubsub.get_message(timeout=None)) is None:
                        breaks.check()  # until the subscription is confirmed
                    breaks.check()
                    await on_live()
                    self.live = True
                    ready.set()
                    heard = time.monotonic()
                    while True:
                        message = await pubsub.get_message(timeout=IDLE_READ_S)
                        breaks.check()
                        now = time.monotonic()
                        if message is None:  # quiet: is the link still there?
                            if now - heard > SILENT_S:
                                raise ConnectionError(f"no answer for {SILENT_S} s")
                            await pubsub.ping()
                            continue
                        heard = now
                        if message["type"] == "message":
                            kind, ident, extra = str(message["data"]).split("\n", 2)
                            self.apply(kind, ident, extra)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the link broke: no copies until it is back
                log.warning("invalidation channel lost (%s); reading from Redis meanwhile", exc)
            self._reset()
            await asyncio.sleep(RESUBSCRIBE_S)
