"""Co-browse checkpoints in Redis, so a viewer on any node gets them at once.

``cobrowse:{sid}:checkpoint`` is a list whose first item is the full snapshot batch and
the rest the batches since, each item ``<seq>\n<batch>``; RPUSHX appends only while a
checkpoint exists. The keys expire (``CHECKPOINT_TTL_S``) so abandoned sessions leave
nothing behind.
"""

from __future__ import annotations

import json
from typing import Any

from store.cobrowse import Checkpoint, ControlState
from store.redis.base import RedisBase

CHECKPOINT_TTL_S = 86_400


def _item(seq: int, batch: bytes) -> bytes:
    return b"%d\n%s" % (seq, batch)


def _parse_item(value: bytes | str) -> tuple[int, bytes]:
    raw = value if isinstance(value, bytes) else value.encode()
    seq, _, batch = raw.partition(b"\n")
    return int(seq), batch


class RedisCobrowse(RedisBase):
    async def cobrowse_reset(self, session_id: str, seq: int, snapshot: bytes, at: float) -> None:
        key = self.keys.cobrowse_checkpoint(session_id)
        at_key = self.keys.cobrowse_checkpoint_at(session_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.rpush(key, _item(seq, snapshot))
            pipe.expire(key, CHECKPOINT_TTL_S)
            pipe.set(at_key, repr(at), ex=CHECKPOINT_TTL_S)
            await pipe.execute()

    async def cobrowse_append(self, session_id: str, seq: int, batch: bytes) -> int:
        item: Any = _item(seq, batch)  # redis-py sends bytes as is; its stubs say str
        length: int = await self.redis.rpushx(self.keys.cobrowse_checkpoint(session_id), item)
        return max(length - 1, 0)

    async def cobrowse_checkpoint(self, session_id: str) -> Checkpoint | None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrange(self.keys.cobrowse_checkpoint(session_id), 0, -1)
            pipe.get(self.keys.cobrowse_checkpoint_at(session_id))
            items, at = await pipe.execute()
        if not items:
            return None
        parsed = [_parse_item(item) for item in items]
        return Checkpoint(
            parsed[0][1], [batch for _, batch in parsed[1:]], float(at or 0.0), parsed[-1][0]
        )

    async def cobrowse_drop(self, session_id: str) -> None:
        await self.redis.delete(
            self.keys.cobrowse_checkpoint(session_id),
            self.keys.cobrowse_checkpoint_at(session_id),
            self.keys.cobrowse_control(session_id),
        )

    async def cobrowse_set_control(self, session_id: str, state: ControlState) -> None:
        value = json.dumps(
            {
                "requested_by": state.requested_by,
                "granted_to": state.granted_to,
                "recording": state.recording,
            }
        )
        await self.redis.set(self.keys.cobrowse_control(session_id), value, ex=CHECKPOINT_TTL_S)

    async def cobrowse_control(self, session_id: str) -> ControlState:
        raw = await self.redis.get(self.keys.cobrowse_control(session_id))
        if raw is None:
            return ControlState()
        data = json.loads(raw)
        return ControlState(
            data.get("requested_by"), data.get("granted_to"), bool(data.get("recording"))
        )
