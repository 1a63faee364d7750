"""The Redis connection and helpers every RedisStore part builds on.

Each part is a mixin; ``open`` calls ``_register_scripts`` of every part so rules that
span keys run as Lua scripts, atomic across nodes. Key layout: ``store/redis/keys.py``.
"""

from __future__ import annotations

from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel

from store.redis.connection import RedisTarget, close_client, redis_client
from store.redis.keys import RedisKeys

M = TypeVar("M", bound=BaseModel)


def _text(value: bytes | str) -> str:
    """Values are str at run time (decode_responses=True); the stubs allow bytes too."""
    return value.decode() if isinstance(value, bytes) else value


class RedisBase:
    def __init__(self, target: RedisTarget | str, prefix: str = "coview:") -> None:
        """``target``: where Redis is (a plain URL is a single server)."""
        self.target = RedisTarget(url=target) if isinstance(target, str) else target
        self.keys = RedisKeys(prefix)
        self._redis: aioredis.Redis | None = None

    async def open(self) -> None:
        # Bounded: a pool that waits (at most the target's timeout) for a free
        # connection under bursts, and a timeout on every reply.
        self._redis = redis_client(self.target, decode_responses=True)
        for part in reversed(type(self).__mro__):
            register = vars(part).get("_register_scripts")
            if register is not None:
                register(self)

    async def close(self) -> None:
        if self._redis is not None:
            await close_client(self._redis)
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
