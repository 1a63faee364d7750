"""Callback requests on Redis: one JSON string per request and a sorted set per
organisation and status, scored by creation time."""

from __future__ import annotations

from store.callbacks import CallbackRequest, CallbackStatus
from store.redis.base import RedisBase
from store.subjects import callback_keys

STATUSES: tuple[CallbackStatus, ...] = ("open", "done")


class RedisCallbacks(RedisBase):
    async def create_callback(self, callback: CallbackRequest) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.callback(callback.id), callback.model_dump_json())
            pipe.zadd(
                self.keys.callbacks(callback.tenant_id, callback.status),
                {callback.id: callback.created_at.timestamp()},
            )
            for key in callback_keys(callback):
                pipe.sadd(self.keys.subject(callback.tenant_id, key), f"callback:{callback.id}")
            await pipe.execute()

    async def get_callback(self, callback_id: str) -> CallbackRequest | None:
        raw = await self.redis.get(self.keys.callback(callback_id))
        return None if raw is None else CallbackRequest.model_validate_json(raw)

    async def update_callback(self, callback: CallbackRequest) -> None:
        score = callback.created_at.timestamp()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.callback(callback.id), callback.model_dump_json())
            for status in STATUSES:  # it lives in its status's set only
                key = self.keys.callbacks(callback.tenant_id, status)
                if status == callback.status:
                    pipe.zadd(key, {callback.id: score})
                else:
                    pipe.zrem(key, callback.id)
            await pipe.execute()

    async def list_callbacks(
        self, tenant_id: str, status: CallbackStatus | None = None, limit: int = 100
    ) -> list[CallbackRequest]:
        found: list[CallbackRequest] = []
        for each in (status,) if status else STATUSES:
            ids = await self.redis.zrange(self.keys.callbacks(tenant_id, each), 0, limit - 1)
            keys = [self.keys.callback(i.decode() if isinstance(i, bytes) else str(i)) for i in ids]
            raws = await self.redis.mget(keys) if keys else []
            found += [CallbackRequest.model_validate_json(r) for r in raws if r is not None]
        found.sort(key=lambda c: c.created_at)
        return found[:limit]
