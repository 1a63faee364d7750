"""Leases and the purge job's deletes on SQLite (one node: the lease still keeps two
purges of one process from overlapping)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from store.escalation_models import Escalation
from store.sqlite.base import SqliteBase


class SqliteRetention(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS leases (
        name TEXT PRIMARY KEY, holder TEXT NOT NULL, until REAL NOT NULL);
    """

    async def acquire_lease(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        changed = await self._write(
            "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            "WHERE leases.holder = excluded.holder OR leases.until <= ?",
            (name, holder, now.timestamp() + ttl_s, now.timestamp()),
        )
        return changed == 1

    async def release_lease(self, name: str, holder: str) -> bool:
        deleted = await self._write(
            "DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)
        )
        return deleted == 1

    async def list_tenant_ids(self) -> list[str]:
        return [r[0] for r in await self._fetchall("SELECT id FROM tenants ORDER BY id")]

    async def purge_escalations(
        self, tenant_id: str, before: datetime, states: Collection[str], limit: int
    ) -> list[Escalation]:
        marks = ", ".join("?" for _ in states)
        with self.transaction() as db:
            rows = db.execute(
                f"DELETE FROM escalations WHERE id IN (SELECT id FROM escalations "
                f"WHERE tenant_id = ? AND created_at < ? AND state IN ({marks}) LIMIT ?) "
                "RETURNING data",
                (tenant_id, before.timestamp(), *states, limit),
            ).fetchall()
            purged = [Escalation.model_validate_json(r[0]) for r in rows]
            for esc in purged:
                db.execute("DELETE FROM escalation_events WHERE escalation_id = ?", (esc.id,))
                db.execute("DELETE FROM escalation_deadlines WHERE escalation_id = ?", (esc.id,))
                if esc.conversation_id is not None:
                    db.execute("DELETE FROM conversations WHERE id = ?", (esc.conversation_id,))
                    db.execute(
                        "DELETE FROM chat_messages WHERE conversation_id = ?",
                        (esc.conversation_id,),
                    )
        return purged

    async def purge_consents(self, tenant_id: str, before: datetime) -> int:
        return await self._write(
            "DELETE FROM consents WHERE tenant_id = ? AND session_id IN ("
            " SELECT session_id FROM consents WHERE tenant_id = ? GROUP BY session_id"
            " HAVING max(julianday(at)) < julianday(?))",
            (tenant_id, tenant_id, before.isoformat()),
        )

    async def purge_audit(self, tenant_id: str, before: datetime) -> int:
        return await self._write(
            "DELETE FROM audit_log WHERE tenant_id = ? "
            "AND julianday(json_extract(data, '$.at')) < julianday(?)",
            (tenant_id, before.isoformat()),
        )

    async def purge_deliveries(self, tenant_id: str, before: datetime) -> int:
        return await self._write(
            "DELETE FROM webhook_deliveries WHERE tenant_id = ? AND due IS NULL AND created < ?",
            (tenant_id, before.timestamp()),
        )
