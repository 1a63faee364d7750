"""Callback requests on SQLite."""

from __future__ import annotations

from store.callbacks import CallbackRequest, CallbackStatus
from store.sqlite.base import SqliteBase
from store.sqlite.subjects import index_subject
from store.subjects import callback_keys


class SqliteCallbacks(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS callbacks (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, status TEXT NOT NULL,
        created REAL NOT NULL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS callbacks_open ON callbacks (tenant_id, status, created);
    """

    async def create_callback(self, callback: CallbackRequest) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO callbacks (id, tenant_id, status, created, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    callback.id,
                    callback.tenant_id,
                    callback.status,
                    callback.created_at.timestamp(),
                    callback.model_dump_json(),
                ),
            )
            keys = callback_keys(callback)
            index_subject(db, callback.tenant_id, keys, f"callback:{callback.id}")

    async def get_callback(self, callback_id: str) -> CallbackRequest | None:
        return await self._get(
            CallbackRequest, "SELECT data FROM callbacks WHERE id = ?", (callback_id,)
        )

    async def update_callback(self, callback: CallbackRequest) -> None:
        await self._write(
            "UPDATE callbacks SET status = ?, data = ? WHERE id = ?",
            (callback.status, callback.model_dump_json(), callback.id),
        )

    async def list_callbacks(
        self, tenant_id: str, status: CallbackStatus | None = None, limit: int = 100
    ) -> list[CallbackRequest]:
        if status is None:
            return await self._list(
                CallbackRequest,
                "SELECT data FROM callbacks WHERE tenant_id = ? ORDER BY created LIMIT ?",
                (tenant_id, limit),
            )
        return await self._list(
            CallbackRequest,
            "SELECT data FROM callbacks WHERE tenant_id = ? AND status = ? "
            "ORDER BY created LIMIT ?",
            (tenant_id, status, limit),
        )
