"""Data subjects on Redis: the subject index (``store/subjects.py``) and the erasure
steps.

The index is a set per (tenant, hashed identifier), ``subject:{tenant}:{key}``, of
record refs, added in the same transaction (or script) that creates the record, so a
search is a few SUNIONs rather than a SCAN of the keyspace or of the tenant's records:
its cost is the customer's own history, whatever the size of the organisation.
Webhook deliveries are indexed per escalation (``escalation:{id}:webhook-deliveries``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from store.engagement_models import CsatAnswer, WebhookDelivery
from store.escalation_models import Escalation, EscalationEvent
from store.redis.base import RedisBase, _text
from store.subjects import Ref, anonymised_event_data

# KEYS: 1 events list (its length is the record's seq), 2 record, 3 events list,
#       4 customer zset.
# ARGV: 1 expected seq, 2 record JSON, 3 id, 4 JSON array of the events' new JSON.
ANONYMISE = """
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
local events = cjson.decode(ARGV[4])
if #events > 0 then redis.call('RPUSH', KEYS[3], unpack(events)) end
redis.call('ZREM', KEYS[4], ARGV[3])
return 1
"""


class RedisSubjects(RedisBase):
    def _register_scripts(self) -> None:
        self._anonymise = self.redis.register_script(ANONYMISE)

    async def subject_refs(
        self, tenant_id: str, keys: Sequence[str], limit: int = 10_000
    ) -> list[Ref]:
        if not keys:
            return []
        raws = await self.redis.sunion([self.keys.subject(tenant_id, k) for k in keys])
        refs = sorted(_text(r) for r in raws)[:limit]
        return [ref for raw in refs if (ref := Ref.parse(raw)) is not None]

    async def forget_subject_refs(self, tenant_id: str, keys: Sequence[str], ref: Ref) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.srem(self.keys.subject(tenant_id, key), str(ref))
            await pipe.execute()

    async def anonymise_escalation(self, escalation: Escalation) -> bool:
        k = self.keys
        stored = await self._get(Escalation, k.escalation(escalation.id))
        if stored is None or stored.seq != escalation.seq:
            return False
        raws = await self.redis.lrange(k.escalation_events(escalation.id), 0, -1)
        events = [_stripped(EscalationEvent.model_validate_json(r)) for r in raws]
        done = await self._eval_durable(
            self._anonymise,
            keys=[
                k.escalation_events(escalation.id),
                k.escalation(escalation.id),
                k.escalation_events(escalation.id),
                k.tenant_customer(escalation.tenant_id, stored.customer_id or ""),
            ],
            args=[escalation.seq, escalation.model_dump_json(), escalation.id, json.dumps(events)],
        )
        return bool(int(done))

    async def delete_conversation(self, conversation_id: str) -> int:
        k = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.exists(k.conversation(conversation_id))
            pipe.llen(k.conversation_messages(conversation_id))
            pipe.delete(
                k.conversation(conversation_id),
                k.conversation_messages(conversation_id),
                k.conversation_client_ids(conversation_id),
                k.bot_conversation(conversation_id),
            )
            found, messages, _ = await pipe.execute()
        return int(messages) if found else -1

    async def delete_callback(self, callback_id: str) -> bool:
        raw = await self.redis.get(self.keys.callback(callback_id))
        if raw is None:
            return False
        tenant_id = json.loads(raw)["tenant_id"]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.callback(callback_id))
            for status in ("open", "done"):
                pipe.zrem(self.keys.callbacks(tenant_id, status), callback_id)
            deleted, *_ = await pipe.execute()
        return bool(deleted)

    async def scrub_csat(self, escalation_id: str) -> bool:
        answer = await self._get(CsatAnswer, self.keys.csat(escalation_id))
        if answer is None:
            return False
        scrubbed = answer.model_copy(update={"comment": ""})
        await self.redis.set(self.keys.csat(escalation_id), scrubbed.model_dump_json(), xx=True)
        return True

    async def deliveries_for_escalation(self, escalation_id: str) -> list[WebhookDelivery]:
        index = self.keys.escalation_deliveries(escalation_id)
        ids = sorted(map(_text, await self.redis.smembers(index)))
        found = await self._get_many(WebhookDelivery, [self.keys.webhook_delivery(i) for i in ids])
        return sorted(found, key=lambda d: (d.created_at, d.id))

    async def delete_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        if not deliveries:
            return 0
        k = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            for d in deliveries:
                pipe.delete(k.webhook_delivery(d.id))
                pipe.zrem(k.tenant_deliveries(d.tenant_id), d.id)
                pipe.zrem(k.endpoint_deliveries(d.endpoint_id), d.id)
                pipe.zrem(k.deliveries_due, d.id)
                if d.escalation_id:
                    pipe.srem(self.keys.escalation_deliveries(d.escalation_id), d.id)
            results = await pipe.execute()
        return _deleted(results, deliveries)


def _deleted(results: list[object], deliveries: Sequence[WebhookDelivery]) -> int:
    """How many DELs removed a key (each delivery queued 4 or 5 commands, DEL first)."""
    count, at = 0, 0
    for d in deliveries:
        count += int(results[at])  # type: ignore[call-overload]
        at += 5 if d.escalation_id else 4
    return count


def _stripped(event: EscalationEvent) -> str:
    return event.model_copy(update={"data": anonymised_event_data(event.data)}).model_dump_json()
