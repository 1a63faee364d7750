"""Escalations, their events, agent loads, deadlines and idempotency keys on Redis.

Every change is one Lua script (``WRITE_ESCALATION``), so the seq compare, the capacity
check, the record, its events, the indexes, the loads and the deadlines are atomic
across nodes. Key layout: ``store/redis/keys.py``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import get_args

from store.escalation_models import (
    AgentLoad,
    ClaimedDeadline,
    Deadline,
    DeadlineKind,
    Escalation,
    EscalationEvent,
    EscalationWrite,
    IdempotencyRecord,
    State,
    WriteResult,
)
from store.models import utcnow
from store.redis.base import RedisBase, _text
from store.redis.loads import LoadCopy, agent_load, loads_of
from store.subjects import escalation_keys

# KEYS: 1 record, 2 events list, 3 tenant zset, 4 old-state zset, 5 new-state zset,
#       6 customer zset, 7 agent-loads hash, 8 deadlines zset, 9 session record
# ARGV: 1 expected seq, 2 record JSON, 3 id, 4 created score, 5 new-state score,
#       6 JSON array of event JSON strings, 7 JSON array of load changes
#       {agent, delta, units, capacity, offer}, 8 JSON array of [member, due] to set,
#       9 JSON array of members to clear, 10 now (s), 11 "1" when a customer zset applies,
#       12 session JSON ('' for none), 13 the invalidation channel (changed loads are
#       announced there, ``store/redis/loads.py``), 14 this node's token, 15 the
#       subject-index ref ("escalation:<id>"), 16 the session JSON the write was decided
#       on ('' for no compare: a conflict unless the stored session is that text)
# KEYS 10...: the subject-index sets the escalation joins when it is created
# Returns 'conflict', 'full', 'ok', or {'ok', changed loads JSON}.
# One script per write: each Redis command it runs costs microseconds inside Redis, each
# one a node sends costs it a round trip, so the indexes are touched only when they
# change (the tenant and customer sets at creation, the state sets on a state change)
# and lists go in one variadic command (events, loads, cleared and set deadlines). The
# compare-and-set version is the length of the events list (an event's index is its
# seq - 1, and every event moves seq on by one): no key of its own to read and write,
# and RPUSH's reply is the length after the append, so a current write reads nothing.
WRITE_ESCALATION = """
local expected = tonumber(ARGV[1])
local creating = ARGV[1] == '0'
local events = cjson.decode(ARGV[6])
if ARGV[16] ~= '' and redis.call('GET', KEYS[9]) ~= ARGV[16] then return 'conflict' end
local loads = cjson.decode(ARGV[7])
local current = {}  -- agent id -> its load, read once
for _, c in ipairs(loads) do
  if current[c.agent] == nil then
    local raw = redis.call('HGET', KEYS[7], c.agent)
    current[c.agent] = raw and cjson.decode(raw) or {}
  end
  if c.delta > 0 then
    for _, u in ipairs(c.units) do
      if (tonumber(current[c.agent][u]) or 0) + c.delta > (tonumber(c.capacity[u]) or 0) then
        if redis.call('LLEN', KEYS[2]) ~= expected then return 'conflict' end
        return 'full'
      end
    end
  end
end
-- The compare: append the events and check the length RPUSH returns (the common,
-- current case costs no LLEN); a stale write takes its events back off and changes
-- nothing else.
if #events > 0 then
  local length = redis.call('RPUSH', KEYS[2], unpack(events))
  if length ~= expected + #events then
    redis.call('LTRIM', KEYS[2], 0, -(#events + 1))
    return 'conflict'
  end
elseif redis.call('LLEN', KEYS[2]) ~= expected then
  return 'conflict'
end
for _, c in ipairs(loads) do
  local cur = current[c.agent]
  for _, u in ipairs(c.units) do
    local v = (tonumber(cur[u]) or 0) + c.delta
    if v < 0 then v = 0 end
    cur[u] = v
  end
  if c.offer ~= 0 then
    cur['offers'] = math.max(0, (tonumber(cur['offers']) or 0) + c.offer)
    local offered = type(cur['offered']) == 'table' and cur['offered'] or {}
    for _, u in ipairs(c.units) do
      offered[u] = math.max(0, (tonumber(offered[u]) or 0) + c.offer)
    end
    cur['offered'] = offered
  end
end
local fields = {}
for agent, cur in pairs(current) do
  local total = (tonumber(cur['chat']) or 0) + (tonumber(cur['video']) or 0)
    + (tonumber(cur['cobrowse']) or 0)
  if total == 0 then
    if cur['idle_since'] == nil then cur['idle_since'] = tonumber(ARGV[10]) end
  else
    cur['idle_since'] = nil
  end
  cur['v'] = (tonumber(cur['v']) or 0) + 1
  fields[#fields + 1] = agent
  fields[#fields + 1] = cjson.encode(cur)
end
local changed = ''
if #fields > 0 then
  redis.call('HSET', KEYS[7], unpack(fields))
  changed = cjson.encode(current)
  redis.call('PUBLISH', ARGV[13], 'loads\\n' .. ARGV[14] .. '\\n' .. changed)
end
redis.call('SET', KEYS[1], ARGV[2])
if creating then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
  if ARGV[11] == '1' then redis.call('ZADD', KEYS[6], ARGV[4], ARGV[3]) end
end
if KEYS[4] ~= KEYS[5] then redis.call('ZREM', KEYS[4], ARGV[3]) end
if creating or KEYS[4] ~= KEYS[5] then redis.call('ZADD', KEYS[5], ARGV[5], ARGV[3]) end
local clear = cjson.decode(ARGV[9])
if #clear > 0 then redis.call('ZREM', KEYS[8], unpack(clear)) end
local due = {}
for _, d in ipairs(cjson.decode(ARGV[8])) do
  due[#due + 1] = d[2]
  due[#due + 1] = d[1]
end
if #due > 0 then redis.call('ZADD', KEYS[8], unpack(due)) end
if ARGV[12] ~= '' then redis.call('SET', KEYS[9], ARGV[12]) end
if creating then
  for i = 10, #KEYS do redis.call('SADD', KEYS[i], ARGV[15]) end
end
if changed ~= '' then return {'ok', changed} end
return 'ok'
"""

# KEYS[1] agent-loads hash. ARGV[1] agent id, ARGV[2] now (s), ARGV[3] the invalidation
# channel, ARGV[4] this node's token. Returns the loads it left ('' if none changed).
MARK_IDLE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local cur = raw and cjson.decode(raw) or {}
local total = (tonumber(cur['chat']) or 0) + (tonumber(cur['video']) or 0)
  + (tonumber(cur['cobrowse']) or 0)
if total ~= 0 then return '' end
cur['idle_since'] = tonumber(ARGV[2])
cur['v'] = (tonumber(cur['v']) or 0) + 1
local changed = cjson.encode({[ARGV[1]] = cur})
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(cur))
redis.call('PUBLISH', ARGV[3], 'loads\\n' .. ARGV[4] .. '\\n' .. changed)
return changed
"""

# KEYS: state zsets. ARGV[1] the escalation record keys' prefix, ARGV[2] (optional) the
# last rank to read in each. The records of the escalations in those states, in each
# zset's order, in one round trip rather than ZRANGE then MGET (dashboards' lists, and
# every pull's look at the head of the queue).
IN_STATES = """
local found = {}
local stop = tonumber(ARGV[2] or '-1')
for _, zset in ipairs(KEYS) do
  local ids = redis.call('ZRANGE', zset, 0, stop)
  for start = 1, #ids, 500 do  -- unpack's stack is bounded
    local names = {}
    for i = start, math.min(start + 499, #ids) do names[#names + 1] = ARGV[1] .. ids[i] end
    for _, raw in ipairs(redis.call('MGET', unpack(names))) do found[#found + 1] = raw end
  end
end
return found
"""

# KEYS[1] deadlines zset. ARGV[1] now, ARGV[2] lease end (also the claim token), ARGV[3] limit.
CLAIM_DEADLINES = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], m) end
return due
"""

# KEYS[1] deadlines zset. ARGV[1] member, ARGV[2] the claim token (lease end).
DROP_DEADLINE = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1
"""

# KEYS[1] idempotency hash. ARGV[1] body hash, ARGV[2] ttl ms.
BEGIN_IDEMPOTENT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'done', '0', 'status', '0', 'response', '')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return false
"""

_QUEUE_PRIORITY_WEIGHT = 1e13  # priority dominates; ms timestamps stay below it


def _queue_score(esc: Escalation) -> float:
    queued = (esc.queued_at or esc.created_at).timestamp() * 1000
    return -esc.priority * _QUEUE_PRIORITY_WEIGHT + queued


def _member(kind: str, escalation_id: str) -> str:
    return f"{kind}|{escalation_id}"


class RedisEscalations(RedisBase):
    def _register_scripts(self) -> None:
        self._write_escalation = self.redis.register_script(WRITE_ESCALATION)
        self._mark_idle = self.redis.register_script(MARK_IDLE)
        self._in_states = self.redis.register_script(IN_STATES)
        self._claim_deadlines = self.redis.register_script(CLAIM_DEADLINES)
        self._drop_deadline = self.redis.register_script(DROP_DEADLINE)
        self._begin_idempotent = self.redis.register_script(BEGIN_IDEMPOTENT)
        # Other nodes' routers see a load change when it is made, not when their view
        # of loads is next re-read: a view blind to them offers agents they just
        # filled, and each such offer costs a write that answers ``full``.
        if not hasattr(self, "_load_listeners"):  # kept across a reopen
            self._load_listeners: list[Callable[[str, AgentLoad], None]] = []
            self._load_copy = LoadCopy()
            self._node = secrets.token_hex(8)  # tells this node's announcements apart
        self.invalidations.handle("loads", self._loads_changed, self._load_copy.clear, bumps=False)

    async def write_escalation(self, write: EscalationWrite) -> WriteResult:
        esc, k = write.escalation, self.keys
        old_state = write.previous_state or esc.state
        created = esc.created_at.timestamp() * 1000
        new_score = _queue_score(esc) if esc.state == "queued" else created
        loads = [
            {
                "agent": c.agent_id,
                "delta": c.delta,
                "units": list(c.units),
                "capacity": c.capacity,
                "offer": c.offer,
            }
            for c in write.loads
        ]
        subjects = (
            [k.subject(esc.tenant_id, key) for key in escalation_keys(esc)]
            if write.expected_seq == 0
            else []
        )
        record = esc.model_dump_json()
        # Until the reply says what this write left, a read of these agents goes to
        # Redis (which has it once it ran), not to a copy that cannot have it yet.
        self._load_copy.drop([c.agent_id for c in write.loads])
        result = await self._eval_durable(
            self._write_escalation,
            keys=[
                k.escalation(esc.id),
                k.escalation_events(esc.id),
                k.tenant_escalations(esc.tenant_id),
                k.tenant_state(esc.tenant_id, old_state),
                k.tenant_state(esc.tenant_id, esc.state),
                k.tenant_customer(esc.tenant_id, esc.customer_id or ""),
                k.agent_loads,
                k.escalation_deadlines,
                k.session(write.session.id if write.session else esc.session_id),
                *subjects,
            ],
            args=[
                write.expected_seq,
                record,
                esc.id,
                created,
                new_score,
                json.dumps([e.model_dump_json() for e in write.events]),
                json.dumps(loads) if loads else "[]",
                json.dumps(
                    [[_member(d.kind, esc.id), d.due.timestamp()] for d in write.set_deadlines]
                )
                if write.set_deadlines
                else "[]",
                json.dumps([_member(kind, esc.id) for kind in write.clear_deadlines])
                if write.clear_deadlines
                else "[]",
                utcnow().timestamp(),
                "1" if esc.customer_id else "0",
                write.session.model_dump_json() if write.session else "",
                k.invalidation_channel,
                self._node,
                f"escalation:{esc.id}",
                write.previous_session.model_dump_json() if write.previous_session else "",
            ],
        )
        if isinstance(result, list):  # ok, and the loads it left
            result, changed = result
            self._loads_seen(loads_of(_text(changed)))
        text = _text(result)
        assert text in ("ok", "conflict", "full")
        if text == "ok":
            self._parsed.remember(esc, record)  # its next read needs no parse
        elif text == "full":
            self._load_copy.drop([c.agent_id for c in write.loads])
        return text  # type: ignore[return-value]

    async def get_escalation(self, escalation_id: str) -> Escalation | None:
        return await self._get(Escalation, self.keys.escalation(escalation_id))

    async def list_events(
        self, escalation_id: str, after_seq: int = 0, limit: int = 1000
    ) -> list[EscalationEvent]:
        raws = await self.redis.lrange(
            self.keys.escalation_events(escalation_id), after_seq, after_seq + limit - 1
        )
        return [EscalationEvent.model_validate_json(r) for r in raws]

    async def _escalations_by_ids(self, ids: list[str]) -> list[Escalation]:
        return await self._get_many(Escalation, [self.keys.escalation(i) for i in ids])

    async def list_escalations(
        self,
        tenant_id: str,
        *,
        states: Sequence[State] | None = None,
        customer_id: str | None = None,
        limit: int = 100,
    ) -> list[Escalation]:
        if states is not None and not states:
            return []
        if customer_id is not None or states is None:
            source = (
                self.keys.tenant_customer(tenant_id, customer_id)
                if customer_id is not None
                else self.keys.tenant_escalations(tenant_id)
            )
            if states is None:
                ids = [str(i) for i in await self.redis.zrevrange(source, 0, limit - 1)]
                return await self._escalations_by_ids(ids)
            ids = [str(i) for i in await self.redis.zrevrange(source, 0, -1)]
            wanted = set(states)
            found = [e for e in await self._escalations_by_ids(ids) if e.state in wanted]
            return found[:limit]
        raws = await self._in_states(
            keys=[self.keys.tenant_state(tenant_id, state) for state in states],
            args=[self.keys.escalation("")],
        )
        parse = self._parsed.parse
        found = [parse(Escalation, _text(r)) for r in raws if r]
        found.sort(key=lambda e: (-e.created_at.timestamp(), e.id))
        return found[:limit]

    async def queued_escalations(self, tenant_id: str, limit: int = 100) -> list[Escalation]:
        if limit <= 0:
            return []
        raws = await self._in_states(
            keys=[self.keys.tenant_state(tenant_id, "queued")],
            args=[self.keys.escalation(""), limit - 1],
        )
        parse = self._parsed.parse
        return [parse(Escalation, _text(r)) for r in raws if r]

    async def count_by_state(self, tenant_id: str, states: Sequence[State]) -> dict[str, int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for state in states:
                pipe.zcard(self.keys.tenant_state(tenant_id, state))
            counts = await pipe.execute()
        return {state: int(n) for state, n in zip(states, counts, strict=True)}

    async def oldest_queued_at(self, tenant_id: str) -> datetime | None:
        # A queued member's score is -priority * weight + queued ms (``_queue_score``),
        # and the ms stay below the weight: the remainder is when it was queued.
        scored = await self.redis.zrange(
            self.keys.tenant_state(tenant_id, "queued"), 0, -1, withscores=True
        )
        if not scored:
            return None
        queued_ms = min(float(pair[1]) % _QUEUE_PRIORITY_WEIGHT for pair in scored)
        return datetime.fromtimestamp(queued_ms / 1000, UTC)

    # agent routing state ------------------------------------------------------------
    async def get_agent_loads(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        ids = list(dict.fromkeys(agent_ids))
        if not ids:
            return {}
        live = self.invalidations.live  # the copy is complete only while subscribed
        found = self._load_copy.known(ids) if live else {}
        missing = [a for a in ids if a not in found]
        if missing:
            raws = await self.redis.hmget(self.keys.agent_loads, missing)
            keep = live and self.invalidations.live  # not if the link broke meanwhile
            for agent_id, raw in zip(missing, raws, strict=True):
                load = agent_load(agent_id, json.loads(raw) if raw else {})
                found[agent_id] = load
                if keep:
                    self._load_copy.offer(load)
        return {a: found[a] for a in ids}

    def watch_agent_loads(self, listener: Callable[[str, AgentLoad], None]) -> None:
        self._load_listeners.append(listener)

    def _loads_seen(self, loads: Sequence[AgentLoad]) -> None:
        if self.invalidations.live:
            for load in loads:
                self._load_copy.offer(load)

    def _loads_changed(self, node: str, changed: str) -> None:
        """A write's announcement of the loads it left (``WRITE_ESCALATION``): into
        the copy, and to the watchers when another node made it (this node's own
        writes reach them from the service that made them)."""
        loads = loads_of(changed)
        self._loads_seen(loads)
        if node != self._node:
            for load in loads:
                for listener in self._load_listeners:
                    listener(load.agent_id, load)

    async def mark_agent_idle(self, agent_id: str, at: datetime) -> None:
        self._load_copy.drop([agent_id])  # as in ``write_escalation``
        changed = await self._mark_idle(
            keys=[self.keys.agent_loads],
            args=[agent_id, at.timestamp(), self.keys.invalidation_channel, self._node],
        )
        if changed:
            self._loads_seen(loads_of(_text(changed)))

    # deadlines ----------------------------------------------------------------------
    async def put_deadline(self, deadline: Deadline) -> None:
        await self.redis.zadd(
            self.keys.escalation_deadlines,
            {_member(deadline.kind, deadline.escalation_id): deadline.due.timestamp()},
        )

    async def claim_deadlines(
        self, now: datetime, lease_s: float, limit: int = 100
    ) -> list[ClaimedDeadline]:
        token = repr(now.timestamp() + lease_s)
        members = await self._claim_deadlines(
            keys=[self.keys.escalation_deadlines], args=[now.timestamp(), token, limit]
        )
        claimed = []
        for member in map(_text, members):
            kind, _, escalation_id = member.partition("|")
            claimed.append(ClaimedDeadline(escalation_id=escalation_id, kind=kind, token=token))
        return claimed

    async def drop_deadline(self, escalation_id: str, kind: DeadlineKind, token: str) -> None:
        await self._drop_deadline(
            keys=[self.keys.escalation_deadlines], args=[_member(kind, escalation_id), token]
        )

    async def clear_deadline(self, escalation_id: str, kind: DeadlineKind) -> bool:
        removed = await self.redis.zrem(
            self.keys.escalation_deadlines, _member(kind, escalation_id)
        )
        return bool(removed)

    async def get_deadlines(self, escalation_id: str) -> dict[str, datetime]:
        kinds: tuple[DeadlineKind, ...] = get_args(DeadlineKind)
        scores = await self.redis.zmscore(
            self.keys.escalation_deadlines, [_member(k, escalation_id) for k in kinds]
        )
        return {
            k: datetime.fromtimestamp(s, UTC)
            for k, s in zip(kinds, scores, strict=True)
            if s is not None
        }

    # idempotency keys ---------------------------------------------------------------
    async def begin_idempotent(
        self, key: str, body_hash: str, ttl_s: float
    ) -> IdempotencyRecord | None:
        found = await self._begin_idempotent(
            keys=[self.keys.idempotency(key)], args=[body_hash, int(ttl_s * 1000)]
        )
        if not found:
            return None
        flat = list(map(_text, found))
        data = dict(zip(flat[::2], flat[1::2], strict=True))
        return IdempotencyRecord(
            key=key,
            body_hash=data.get("hash", ""),
            done=data.get("done") == "1",
            status=int(data.get("status", "0")),
            response=data.get("response", ""),
        )

    async def finish_idempotent(self, key: str, status: int, response: str, ttl_s: float) -> None:
        name = self.keys.idempotency(key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(name, mapping={"done": "1", "status": str(status), "response": response})
            pipe.pexpire(name, int(ttl_s * 1000))
            await pipe.execute()

    async def release_idempotent(self, key: str) -> None:
        await self.redis.delete(self.keys.idempotency(key))
