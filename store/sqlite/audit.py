"""Audit log on SQLite."""

from __future__ import annotations

from store.audit_models import AuditEvent
from store.sqlite.base import SqliteBase


class SqliteAudit(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS audit_log_tenant ON audit_log (tenant_id, seq);
    """

    async def append_audit(self, event: AuditEvent) -> None:
        await self._write(
            "INSERT INTO audit_log (tenant_id, data) VALUES (?, ?)",
            (event.tenant_id, event.model_dump_json()),
        )

    async def list_audit(self, tenant_id: str, limit: int = 100) -> list[AuditEvent]:
        return await self._list(
            AuditEvent,
            "SELECT data FROM audit_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT ?",
            (tenant_id, limit),
        )
