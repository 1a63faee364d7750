"""Leases and the purge job's deletes on Redis. Each removal is one script that deletes
only what is still there and says so, so two nodes purging at once count each item once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import get_args

from store.audit_models import AuditEvent
from store.escalation_models import DeadlineKind, Escalation
from store.redis.base import RedisBase, _text
from store.redis.webhooks import prune_index

PAGE = 200
LEASE_KEEP_S = 60  # the key outlives its lease a little; expiry is decided by ``until``

# KEYS[1] lease hash. ARGV: 1 holder, 2 now (s), 3 until (s), 4 key lifetime (ms).
ACQUIRE_LEASE = """
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder and holder ~= ARGV[1]
   and tonumber(redis.call('HGET', KEYS[1], 'until')) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'until', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""
RELEASE_LEASE = """
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""
# KEYS: 1 events (its length is the seq), 2 record, 3 events, 4 tenant zset, 5 state zset,
#       6 customer zset (or ''),
#       7 deadlines zset, 8-10 conversation record, messages, client ids (or '').
# ARGV: 1 id, 2 the seq read with the record, 3.. deadline members.
PURGE_ESCALATION = """
if tostring(redis.call('LLEN', KEYS[1])) ~= ARGV[2] or redis.call('EXISTS', KEYS[2]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
if KEYS[6] ~= '' then redis.call('ZREM', KEYS[6], ARGV[1]) end
for i = 3, #ARGV do redis.call('ZREM', KEYS[7], ARGV[i]) end
if KEYS[8] ~= '' then redis.call('DEL', KEYS[8], KEYS[9], KEYS[10]) end
return 1
"""
# KEYS[1] tenant's consent-session zset, KEYS[2] the session's list. ARGV: session, cutoff.
PURGE_CONSENTS = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) >= tonumber(ARGV[2]) then return 0 end
local n = redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return n
"""
# KEYS[1] a list; ARGV: the elements expected at its tail, last first. Pops while they are.
POP_TAIL = """
local n = 0
for i = 1, #ARGV do
  if redis.call('LINDEX', KEYS[1], -1) ~= ARGV[i] then break end
  redis.call('RPOP', KEYS[1])
  n = n + 1
end
return n
"""


class RedisRetention(RedisBase):
    def _register_scripts(self) -> None:
        self._acquire_lease = self.redis.register_script(ACQUIRE_LEASE)
        self._release_lease = self.redis.register_script(RELEASE_LEASE)
        self._purge_escalation = self.redis.register_script(PURGE_ESCALATION)
        self._purge_session_consents = self.redis.register_script(PURGE_CONSENTS)
        self._pop_tail = self.redis.register_script(POP_TAIL)

    async def acquire_lease(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        got = await self._acquire_lease(
            keys=[self.keys.lease(name)],
            args=[
                holder,
                now.timestamp(),
                now.timestamp() + ttl_s,
                int((ttl_s + LEASE_KEEP_S) * 1000),
            ],
        )
        return int(got) == 1

    async def release_lease(self, name: str, holder: str) -> bool:
        return int(await self._release_lease(keys=[self.keys.lease(name)], args=[holder])) == 1

    async def list_tenant_ids(self) -> list[str]:
        prefix = self.keys.tenant("")
        found: set[str] = set()
        async for key in self.redis.scan_iter(match=prefix + "*", count=500):
            rest = _text(key)[len(prefix) :]
            if rest and ":" not in rest:
                found.add(rest)
        return sorted(found)

    async def purge_escalations(
        self, tenant_id: str, before: datetime, states: Collection[str], limit: int
    ) -> list[Escalation]:
        index = self.keys.tenant_escalations(tenant_id)
        purged: list[Escalation] = []
        offset = 0  # old ones kept (not in ``states``) are skipped, not read again
        while len(purged) < limit:
            ids = [
                str(i)
                for i in await self.redis.zrangebyscore(
                    index, "-inf", f"({before.timestamp() * 1000}", start=offset, num=PAGE
                )
            ]
            if not ids:
                break
            k = self.keys
            async with self.redis.pipeline(transaction=False) as pipe:
                for ident in ids:
                    pipe.get(k.escalation(ident))
                    pipe.llen(k.escalation_events(ident))
                replies = await pipe.execute()
            for n, ident in enumerate(ids):
                raw, seq = replies[2 * n], replies[2 * n + 1]
                if raw is None:  # gone meanwhile (another purger): no longer in the index
                    await self.redis.zrem(index, ident)
                    continue
                esc = Escalation.model_validate_json(raw)
                if esc.state not in states or len(purged) >= limit:
                    offset += 1
                    continue
                if await self._purge_one(esc, seq):
                    purged.append(esc)
        return purged

    async def _purge_one(self, esc: Escalation, seq: int) -> bool:
        k = self.keys
        conversation = esc.conversation_id
        keys = [
            k.escalation_events(esc.id),  # its length is the record's seq
            k.escalation(esc.id),
            k.escalation_events(esc.id),
            k.tenant_escalations(esc.tenant_id),
            k.tenant_state(esc.tenant_id, esc.state),
            k.tenant_customer(esc.tenant_id, esc.customer_id) if esc.customer_id else "",
            k.escalation_deadlines,
            k.conversation(conversation) if conversation else "",
            k.conversation_messages(conversation) if conversation else "",
            k.conversation_client_ids(conversation) if conversation else "",
        ]
        members = [f"{kind}|{esc.id}" for kind in get_args(DeadlineKind)]
        done = await self._purge_escalation(keys=keys, args=[esc.id, str(seq), *members])
        return int(done) == 1

    async def purge_consents(self, tenant_id: str, before: datetime) -> int:
        index = self.keys.tenant_consent_sessions(tenant_id)
        removed = 0
        while True:
            sessions = [
                str(s)
                for s in await self.redis.zrangebyscore(
                    index, "-inf", f"({before.timestamp()}", start=0, num=PAGE
                )
            ]
            for session in sessions:
                removed += int(
                    await self._purge_session_consents(
                        keys=[index, self.keys.consents(session)],
                        args=[session, before.timestamp()],
                    )
                )
            if len(sessions) < PAGE:
                return removed

    async def purge_audit(self, tenant_id: str, before: datetime) -> int:
        # Newest first: the old entries are the list's tail.
        key = self.keys.audit(tenant_id)
        removed = 0
        while True:
            tail = await self.redis.lrange(key, -PAGE, -1)
            old: list[str] = []
            for raw in reversed(tail):
                if AuditEvent.model_validate_json(raw).at >= before:
                    break
                old.append(_text(raw))
            if not old:
                return removed
            popped = int(await self._pop_tail(keys=[key], args=old))
            removed += popped
            if popped < len(old) or len(old) < len(tail):
                return removed

    async def purge_deliveries(self, tenant_id: str, before: datetime) -> int:
        return await prune_index(self, self.keys.tenant_deliveries(tenant_id), before)
