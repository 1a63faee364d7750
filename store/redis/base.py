"""The Redis connection and helpers every RedisStore part builds on.

Each part is a mixin; ``open`` calls ``_register_scripts`` of every part so rules that
span keys run as Lua scripts, atomic across nodes. Key layout: ``store/redis/keys.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from store.parse_cache import ParseCache
from store.redis.cache import Invalidations, LocalCache
from store.redis.connection import RedisTarget, close_client, redis_client
from store.redis.keys import RedisKeys

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")

log = logging.getLogger("coview.store")


def _text(value: bytes | str) -> str:
    """Values are str at run time (decode_responses=True); the stubs allow bytes too."""
    return value.decode() if isinstance(value, bytes) else value


class RedisBase:
    def __init__(self, target: RedisTarget | str, prefix: str = "coview:") -> None:
        """``target``: where Redis is (a plain URL is a single server)."""
        self.target = RedisTarget(url=target) if isinstance(target, str) else target
        self.keys = RedisKeys(prefix)
        self._redis: aioredis.Redis | None = None
        self._replicas_short = False  # the last WAIT timed out short of wait_replicas
        self.invalidations = Invalidations(self.keys.invalidation_channel)
        # One parse per exact JSON text: the escalation each request of its life reads
        # and the open offers each presence update reads are not validated again.
        self._parsed = ParseCache()

    async def open(self) -> None:
        # Bounded: a pool that waits (at most the target's timeout) for a free
        # connection under bursts, and a timeout on every reply.
        self._redis = redis_client(self.target, decode_responses=True)
        for part in reversed(type(self).__mro__):
            register = vars(part).get("_register_scripts")
            if register is not None:
                register(self)
        self.invalidations.start(self._redis, self._load_local_copies)

    async def close(self) -> None:
        await self.invalidations.stop()
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

    async def _eval_durable(
        self, script: AsyncScript, keys: Sequence[str], args: Sequence[Any]
    ) -> Any:
        """Runs a write script that must survive a failover. With ``wait_replicas``,
        WAIT follows it on the same connection and in the same round trip, so the reply
        comes once that many replicas have the write (Redis's replication is one
        ordered stream: everything written before it, by any node, is there too). A
        replica that does not answer within ``wait_timeout_ms`` costs that much latency
        and is logged; the write stands (availability over durability, as Redis)."""
        target = self.target
        if not target.wait_replicas:
            return await script(keys=keys, args=args)
        for attempt in range(2):
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
                pipe.wait(target.wait_replicas, target.wait_timeout_ms)
                result, replicas = await pipe.execute(raise_on_error=False)
            if isinstance(result, NoScriptError) and attempt == 0:
                await self.redis.script_load(script.script)  # a restarted Redis
                continue
            break
        for outcome in (result, replicas):
            if isinstance(outcome, Exception):
                raise outcome
        short = int(replicas) < target.wait_replicas
        if short and not self._replicas_short:
            log.warning(
                "Redis WAIT: %s of %s replicas acknowledged within %s ms; writes go on",
                replicas,
                target.wait_replicas,
                target.wait_timeout_ms,
            )
        elif not short and self._replicas_short:
            log.info("Redis WAIT: replicas acknowledge writes again")
        self._replicas_short = short
        return result

    async def _get(self, model: type[M], key: str) -> M | None:
        raw = await self.redis.get(key)
        return None if raw is None else self._parsed.parse(model, _text(raw))

    async def _get_many(self, model: type[M], keys: list[str]) -> list[M]:
        if not keys:
            return []
        raws = await self.redis.mget(keys)
        parse = self._parsed.parse
        return [parse(model, _text(r)) for r in raws if r is not None]
