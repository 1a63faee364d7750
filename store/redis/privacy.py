"""Consent records on Redis: a list per session, oldest first."""

from __future__ import annotations

from store.privacy_models import ConsentRecord
from store.redis.base import RedisBase


class RedisPrivacy(RedisBase):
    async def append_consent(self, record: ConsentRecord) -> None:
        await self.redis.rpush(self.keys.consents(record.session_id), record.model_dump_json())

    async def list_consents(self, session_id: str) -> list[ConsentRecord]:
        raws = await self.redis.lrange(self.keys.consents(session_id), 0, -1)
        return [ConsentRecord.model_validate_json(r) for r in raws]

    async def delete_consents(self, session_id: str) -> int:
        key = self.keys.consents(session_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.llen(key)
            pipe.delete(key)
            count, _ = await pipe.execute()
        return int(count)
