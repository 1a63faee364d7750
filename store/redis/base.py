"""The Redis connection and helpers every RedisStore part builds on.

Each part is a mixin; ``open`` calls ``_register_scripts`` of every part so rules that
span keys run as Lua scripts, atomic across nodes. Key layout: ``store/redis/keys.py``.
"""

from __future__ import annotations

from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel

from store.redis.keys import RedisKeys

M = TypeVar("M", bound=BaseModel)

MAX_CONNECTIONS = 64


def _text(value: bytes | str) -> str:
    """Values are str at run time (decode_responses=True); the stubs allow bytes too."""
    return value.decode() if isinstance(value, bytes) else value


class RedisBase:
    def __init__(self, url: str, prefix: str = "coview:") -> None:
        self._url = url
        self.keys = RedisKeys(prefix)
        self._redis: aioredis.Redis | None = None

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

    async def close(self) -> None:
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
        """Parts override this to register their Lua scripts."""

    async def _get(self, model: type[M], key: str) -> M | None:
        raw = await self.redis.get(key)
        return None if raw is None else model.model_validate_json(raw)

    async def _get_many(self, model: type[M], keys: list[str]) -> list[M]:
        if not keys:
            return []
        raws = await self.redis.mget(keys)
        return [model.model_validate_json(r) for r in raws if r is not None]
