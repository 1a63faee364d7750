"""Settings documents on SQLite."""

from __future__ import annotations

import json
from typing import Any

from store.sqlite.base import SqliteBase


class SqliteSettings(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS settings (
        tenant_id TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (tenant_id, name));
    """

    async def get_setting(self, tenant_id: str, name: str) -> dict[str, Any] | None:
        row = await self._fetchone(
            "SELECT data FROM settings WHERE tenant_id = ? AND name = ?", (tenant_id, name)
        )
        return None if row is None else dict(json.loads(row[0]))

    async def put_setting(self, tenant_id: str, name: str, value: dict[str, Any]) -> None:
        await self._write(
            "INSERT OR REPLACE INTO settings (tenant_id, name, data) VALUES (?, ?, ?)",
            (tenant_id, name, json.dumps(value)),
        )
