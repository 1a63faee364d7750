"""Rate limits (the ``limits`` library): per process in memory, or shared in Redis."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from server.platform.errors import RateLimited
from store.redis.connection import RedisTarget, connection_pool

# Our own pool goes in instead of a URL, so the limits reach the same Redis (or
# Sentinel master) with the same bounds as everything else; the URI is then unused.
_POOL_URI = "async+redis://"


class RateLimiter:
    def __init__(self, redis: RedisTarget | None = None, prefix: str = "coview:") -> None:
        storage: Storage
        if redis is not None:
            pool = connection_pool(redis, decode_responses=False, max_connections=16)
            storage = RedisStorage(
                _POOL_URI,
                implementation="redispy",
                key_prefix=prefix + "limits",
                connection_pool=pool,  # type: ignore[arg-type]  # passed to redis-py
            )
        else:
            storage = MemoryStorage()
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, rate: str, scope: str, key: str) -> None:
        """Count one request; RateLimited (429 with Retry-After) when over ``rate``."""
        item = parse(rate)
        if await self._limiter.hit(item, scope, key):
            return
        retry_after = await self.retry_after(rate, scope, key)
        raise RateLimited(
            f"rate limit {rate} exceeded; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )

    async def count(self, rate: str, scope: str, key: str) -> None:
        """Count one event against ``rate`` without refusing anything."""
        await self._limiter.hit(parse(rate), scope, key)

    async def exhausted(self, rate: str, scope: str, key: str) -> bool:
        """Whether ``rate`` is used up (without counting anything)."""
        return not await self._limiter.test(parse(rate), scope, key)

    async def used(self, rate: str, scope: str, key: str) -> int:
        """How many events of ``rate`` fall in its current window."""
        item = parse(rate)
        stats = await self._limiter.get_window_stats(item, scope, key)
        return int(item.amount - stats.remaining)

    async def retry_after(self, rate: str, scope: str, key: str) -> int:
        stats = await self._limiter.get_window_stats(parse(rate), scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
