"""The Redis connection and helpers every RedisStore part builds on.

Each part is a mixin; ``open`` calls ``_register_scripts`` of every part so rules that
span keys run as Lua scripts, atomic across nodes. Key layout: ``store/redis/keys.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel

from store.redis.cache import Invalidations, LocalCache
from store.redis.keys import RedisKeys

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")

MAX_CONNECTIONS = 64


def _text(value: bytes | str) -> str:
    """Values are str at run time (decode_responses=True); the stubs allow bytes too."""
    return value.decode() if isinstance(value, bytes) else value


class RedisBase:
    def __init__(self, url: str, prefix: str = "coview:") -> None:
        self._url = url
        self.keys = RedisKeys(prefix)
        self._redis: aioredis.Redis | None = None
        self.invalidations = Invalidations(self.keys.invalidation_channel)

    async def open(self) -> None:
        # A bounded pool that waits for a free connection under bursts, instead of
        # failing with "Too many connections" (redis-py's default pool caps at 100).
        pool = aioredis.BlockingConnectionPool.from_url(
            self._url, decode_responses=True, max_connections=MAX_CONNECTIONS, timeout=30
        )
        self._redis = aioredis.Redis(connection_pool=pool)
        for part in reversed(type(self).__mro__):
            register = vars(part).get("_register_scripts")
            if register is not None:
                register(self)
        self.invalidations.start(self._redis, self._load_local_copies)

    async def close(self) -> None:
        await self.invalidations.stop()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def ping(self) -> None:
        await self.redis.ping()

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("RedisStore is not open")
        return self._redis

    def _register_scripts(self) -> None:
        """Parts override this to register their Lua scripts (and their local copies'
        invalidation handlers)."""

    async def _load_local_copies(self) -> None:
        """Each time the invalidation channel is subscribed: parts' loaders (a method
        of this name on a part) fill the copies that must be complete, not just cached."""
        for part in reversed(type(self).__mro__):
            load = vars(part).get("_load_local_copy")
            if load is not None:
                await load(self)

    async def _through(
        self, cache: LocalCache[V], ident: str, load: Callable[[], Awaitable[V | None]]
    ) -> V | None:
        """``cache``'s copy of ``ident``, or ``load()`` kept there unless an
        invalidation came in meanwhile (or the channel is down: then never kept)."""
        if not self.invalidations.live:
            return await load()
        known, found = cache.lookup(ident)
        if known:
            return found
        generation = self.invalidations.generation
        value = await load()
        if self.invalidations.live and self.invalidations.generation == generation:
            cache.put(ident, value)
        return value

    async def _write_and_announce(
        self,
        writes: Callable[[aioredis.client.Pipeline], object],
        kind: str,
        ident: str,
        extra: str = "",
    ) -> None:
        """``writes`` and the invalidation of ``ident`` in one round trip. This node's
        copy is dropped once it is done, with nothing awaited in between: a read that
        raced with the write is not kept either (the generation moved on)."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                writes(pipe)
                pipe.publish(
                    self.keys.invalidation_channel, self.invalidations.message(kind, ident, extra)
                )
                await pipe.execute()
        finally:
            self.invalidations.apply(kind, ident, extra)

    async def _get(self, model: type[M], key: str) -> M | None:
        raw = await self.redis.get(key)
        return None if raw is None else model.model_validate_json(raw)

    async def _get_many(self, model: type[M], keys: list[str]) -> list[M]:
        if not keys:
            return []
        raws = await self.redis.mget(keys)
        return [model.model_validate_json(r) for r in raws if r is not None]
