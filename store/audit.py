"""The audit-log part of the store."""

from __future__ import annotations

from typing import Protocol

from store.audit_models import AuditEvent, AuditFilter


class AuditStore(Protocol):
    async def append_audit(self, event: AuditEvent) -> None: ...
    async def list_audit(self, tenant_id: str, limit: int = 100) -> list[AuditEvent]:
        """Newest first."""
        ...

    async def query_audit(self, tenant_id: str, where: AuditFilter) -> list[AuditEvent]:
        """The tenant's events that match, newest first, at most ``where.limit``."""
        ...
