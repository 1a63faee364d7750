"""Audit log on SQLite."""

from __future__ import annotations

from store.audit_models import AuditEvent, AuditFilter
from store.sqlite.base import SqliteBase

ACTION = "json_extract(data, '$.action')"
# Compared as instants (julianday), not text: "…00Z" and "…00.5Z" sort wrongly as text.
AT = "julianday(json_extract(data, '$.at'))"


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

    async def query_audit(self, tenant_id: str, where: AuditFilter) -> list[AuditEvent]:
        sql = ["SELECT data FROM audit_log WHERE tenant_id = ?"]
        params: list[object] = [tenant_id]
        if where.actor_id is not None:
            sql.append("AND json_extract(data, '$.actor_id') = ?")
            params.append(where.actor_id)
        if where.action is not None:
            sql.append(f"AND ({ACTION} = ? OR {ACTION} LIKE ? ESCAPE '\\')")
            escaped = where.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [where.action, escaped + ".%"]
        if where.since is not None:
            sql.append(f"AND {AT} >= julianday(?)")
            params.append(where.since.isoformat())
        if where.until is not None:
            sql.append(f"AND {AT} < julianday(?)")
            params.append(where.until.isoformat())
        sql.append("ORDER BY seq DESC LIMIT ?")
        params.append(where.limit)
        return await self._list(AuditEvent, " ".join(sql), tuple(params))
