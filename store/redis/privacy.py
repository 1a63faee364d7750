"""Consent records on Redis: a list per session, oldest first."""

from __future__ import annotations

from store.privacy_models import ConsentRecord
from store.redis.base import RedisBase


class RedisPrivacy(RedisBase):
    async def append_consent(self, record: ConsentRecord) -> None:
        # The tenant's index (newest record's time per session) is what retention reads.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self.keys.consents(record.session_id), record.model_dump_json())
            pipe.zadd(
                self.keys.tenant_consent_sessions(record.tenant_id),
                {record.session_id: record.at.timestamp()},
                gt=True,
            )
            await pipe.execute()

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
