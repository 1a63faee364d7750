"""Redis part: visitor events, purchases (one key per order id, set only if absent)
and live visitors (keys that expire, with a per-tenant index by expiry)."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.conversion_models import LiveVisitor, Purchase, VisitorEvent
from store.redis.base import RedisBase

RETENTION_S = 400 * 86_400  # figures are asked for a year back at most


class RedisConversion(RedisBase):
    def _conv(self, *parts: str) -> str:
        return self.keys.prefix + "conv:" + ":".join(parts)

    async def add_visitor_event(self, event: VisitorEvent) -> None:
        key = self._conv("event", event.id)
        if await self.redis.set(key, event.model_dump_json(), nx=True, ex=RETENTION_S):
            await self.redis.zadd(
                self._conv("events", event.tenant_id), {event.id: event.at.timestamp()}
            )

    async def list_visitor_events(
        self, tenant_id: str, since: datetime, until: datetime
    ) -> list[VisitorEvent]:
        ids = await self.redis.zrangebyscore(
            self._conv("events", tenant_id), since.timestamp(), f"({until.timestamp()}"
        )
        return await self._get_many(VisitorEvent, [self._conv("event", str(i)) for i in ids])

    async def add_purchase(self, purchase: Purchase) -> bool:
        key = self._conv("purchase", purchase.tenant_id, purchase.order_id)
        if not await self.redis.set(key, purchase.model_dump_json(), nx=True, ex=RETENTION_S):
            return False
        await self.redis.zadd(
            self._conv("purchases", purchase.tenant_id),
            {purchase.order_id: purchase.at.timestamp()},
        )
        return True

    async def get_purchase(self, tenant_id: str, order_id: str) -> Purchase | None:
        return await self._get(Purchase, self._conv("purchase", tenant_id, order_id))

    async def list_purchases(
        self, tenant_id: str, since: datetime, until: datetime
    ) -> list[Purchase]:
        ids = await self.redis.zrangebyscore(
            self._conv("purchases", tenant_id), since.timestamp(), f"({until.timestamp()}"
        )
        keys = [self._conv("purchase", tenant_id, str(i)) for i in ids]
        return await self._get_many(Purchase, keys)

    async def put_live_visitor(self, visitor: LiveVisitor, ttl_s: int) -> None:
        expires = (visitor.seen_at + timedelta(seconds=ttl_s)).timestamp()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(
                self._conv("visitor", visitor.tenant_id, visitor.id),
                visitor.model_dump_json(),
                ex=ttl_s,
            )
            pipe.zadd(self._conv("visitors", visitor.tenant_id), {visitor.id: expires})
            await pipe.execute()

    async def get_live_visitor(self, tenant_id: str, visitor_id: str) -> LiveVisitor | None:
        return await self._get(LiveVisitor, self._conv("visitor", tenant_id, visitor_id))

    async def list_live_visitors(self, tenant_id: str, now: datetime) -> list[LiveVisitor]:
        index = self._conv("visitors", tenant_id)
        await self.redis.zremrangebyscore(index, "-inf", now.timestamp())
        ids = await self.redis.zrange(index, 0, -1)
        visitors = await self._get_many(
            LiveVisitor, [self._conv("visitor", tenant_id, str(i)) for i in ids]
        )
        return sorted(visitors, key=lambda v: v.seen_at, reverse=True)
