"""Audit log on Redis: a capped list per tenant, newest first."""

from __future__ import annotations

from store.audit_models import AuditEvent, AuditFilter
from store.redis.base import RedisBase

AUDIT_KEEP = 10_000


class RedisAudit(RedisBase):
    async def append_audit(self, event: AuditEvent) -> None:
        key = self.keys.audit(event.tenant_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, event.model_dump_json())
            pipe.ltrim(key, 0, AUDIT_KEEP - 1)
            await pipe.execute()

    async def list_audit(self, tenant_id: str, limit: int = 100) -> list[AuditEvent]:
        raws = await self.redis.lrange(self.keys.audit(tenant_id), 0, limit - 1)
        return [AuditEvent.model_validate_json(r) for r in raws]

    async def query_audit(self, tenant_id: str, where: AuditFilter) -> list[AuditEvent]:
        # The list is capped (AUDIT_KEEP), so reading it whole is bounded.
        found: list[AuditEvent] = []
        for raw in await self.redis.lrange(self.keys.audit(tenant_id), 0, -1):
            event = AuditEvent.model_validate_json(raw)
            if where.matches(event):
                found.append(event)
                if len(found) >= where.limit:
                    break
        return found
