"""Redis part: webhook endpoints and deliveries; due deliveries in one sorted set."""

from __future__ import annotations

from datetime import datetime

from store.engagement_models import WebhookDelivery, WebhookEndpoint
from store.redis.base import RedisBase, _text

# KEYS[1] due zset. ARGV[1] now, ARGV[2] lease end, ARGV[3] limit. Re-dating the claimed
# ids in the same script is what makes a claim exclusive across nodes.
CLAIM_DUE = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
"""


class RedisWebhooks(RedisBase):
    def _register_scripts(self) -> None:
        self._claim_due = self.redis.register_script(CLAIM_DUE)

    async def put_webhook(self, endpoint: WebhookEndpoint) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.webhook(endpoint.id), endpoint.model_dump_json())
            pipe.sadd(self.keys.tenant_webhooks(endpoint.tenant_id), endpoint.id)
            await pipe.execute()

    async def get_webhook(self, endpoint_id: str) -> WebhookEndpoint | None:
        return await self._get(WebhookEndpoint, self.keys.webhook(endpoint_id))

    async def list_webhooks(self, tenant_id: str) -> list[WebhookEndpoint]:
        ids = sorted(map(_text, await self.redis.smembers(self.keys.tenant_webhooks(tenant_id))))
        return await self._get_many(WebhookEndpoint, [self.keys.webhook(i) for i in ids])

    async def delete_webhook(self, endpoint_id: str) -> bool:
        endpoint = await self.get_webhook(endpoint_id)
        if endpoint is None:
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.webhook(endpoint_id))
            pipe.srem(self.keys.tenant_webhooks(endpoint.tenant_id), endpoint_id)
            deleted = await pipe.execute()
        return bool(deleted[0])

    async def save_delivery(self, delivery: WebhookDelivery) -> None:
        created = delivery.created_at.timestamp()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.webhook_delivery(delivery.id), delivery.model_dump_json())
            pipe.zadd(self.keys.tenant_deliveries(delivery.tenant_id), {delivery.id: created})
            pipe.zadd(self.keys.endpoint_deliveries(delivery.endpoint_id), {delivery.id: created})
            if delivery.escalation_id:
                pipe.sadd(self.keys.escalation_deliveries(delivery.escalation_id), delivery.id)
            if delivery.status == "pending" and delivery.next_attempt_at is not None:
                due = delivery.next_attempt_at.timestamp()
                pipe.zadd(self.keys.deliveries_due, {delivery.id: due})
            else:
                pipe.zrem(self.keys.deliveries_due, delivery.id)
            await pipe.execute()

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None:
        return await self._get(WebhookDelivery, self.keys.webhook_delivery(delivery_id))

    async def claim_due_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        ids = await self._claim_due(
            keys=[self.keys.deliveries_due],
            args=[now.timestamp(), lease_until.timestamp(), limit],
        )
        claimed = await self._get_many(
            WebhookDelivery, [self.keys.webhook_delivery(_text(i)) for i in ids]
        )
        return [d.model_copy(update={"next_attempt_at": lease_until}) for d in claimed]

    async def list_deliveries(
        self, tenant_id: str, endpoint_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        index = (
            self.keys.tenant_deliveries(tenant_id)
            if endpoint_id is None
            else self.keys.endpoint_deliveries(endpoint_id)
        )
        ids = await self.redis.zrevrange(index, 0, limit - 1)
        found = await self._get_many(
            WebhookDelivery, [self.keys.webhook_delivery(str(i)) for i in ids]
        )
        return [d for d in found if d.tenant_id == tenant_id]

    async def prune_deliveries(self, before: datetime) -> int:
        pruned = 0
        cursor = 0
        pattern = self.keys.tenant_deliveries("*")
        while True:
            cursor, indexes = await self.redis.scan(cursor, match=pattern, count=100)
            for index in indexes:
                pruned += await prune_index(self, _text(index), before)
            if cursor == 0:
                return pruned


async def prune_index(store: RedisBase, index: str, before: datetime) -> int:
    """Deletes the finished deliveries of a tenant's index created before ``before``;
    how many this call deleted (another node's concurrent call counts the rest)."""
    old = await store.redis.zrangebyscore(index, "-inf", f"({before.timestamp()}")
    removed = 0
    for delivery in await store._get_many(
        WebhookDelivery, [store.keys.webhook_delivery(str(i)) for i in old]
    ):
        if delivery.status == "pending":
            continue
        async with store.redis.pipeline(transaction=True) as pipe:
            pipe.delete(store.keys.webhook_delivery(delivery.id))
            pipe.zrem(index, delivery.id)
            pipe.zrem(store.keys.endpoint_deliveries(delivery.endpoint_id), delivery.id)
            if delivery.escalation_id:  # the data-subject index of the escalation's deliveries
                pipe.srem(store.keys.escalation_deliveries(delivery.escalation_id), delivery.id)
            deleted, *_ = await pipe.execute()
        removed += int(deleted)
    return removed
