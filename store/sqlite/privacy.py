"""Consent records on SQLite."""

from __future__ import annotations

from store.privacy_models import ConsentRecord
from store.sqlite.base import SqliteBase


class SqlitePrivacy(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS consents (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id TEXT NOT NULL,
        session_id TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS consents_session ON consents (session_id, seq);
    CREATE INDEX IF NOT EXISTS consents_tenant_at ON consents (tenant_id, at);
    """

    async def append_consent(self, record: ConsentRecord) -> None:
        await self._write(
            "INSERT INTO consents (tenant_id, session_id, at, data) VALUES (?, ?, ?, ?)",
            (record.tenant_id, record.session_id, record.at.isoformat(), record.model_dump_json()),
        )

    async def list_consents(self, session_id: str) -> list[ConsentRecord]:
        return await self._list(
            ConsentRecord,
            "SELECT data FROM consents WHERE session_id = ? ORDER BY seq",
            (session_id,),
        )

    async def delete_consents(self, session_id: str) -> int:
        return await self._write("DELETE FROM consents WHERE session_id = ?", (session_id,))
