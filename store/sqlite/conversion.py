"""SQLite part: visitor events, purchases and live visitors."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.conversion_models import LiveVisitor, Purchase, VisitorEvent
from store.sqlite.base import SqliteBase


class SqliteConversion(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS visitor_events (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, at REAL NOT NULL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS visitor_events_tenant_at ON visitor_events (tenant_id, at);
    CREATE TABLE IF NOT EXISTS purchases (
        tenant_id TEXT NOT NULL, order_id TEXT NOT NULL, at REAL NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (tenant_id, order_id));
    CREATE INDEX IF NOT EXISTS purchases_tenant_at ON purchases (tenant_id, at);
    CREATE TABLE IF NOT EXISTS live_visitors (
        tenant_id TEXT NOT NULL, id TEXT NOT NULL, expires REAL NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id));
    """

    async def add_visitor_event(self, event: VisitorEvent) -> None:
        await self._write(
            "INSERT OR IGNORE INTO visitor_events (id, tenant_id, at, data) VALUES (?, ?, ?, ?)",
            (event.id, event.tenant_id, event.at.timestamp(), event.model_dump_json()),
        )

    async def list_visitor_events(
        self, tenant_id: str, since: datetime, until: datetime
    ) -> list[VisitorEvent]:
        return await self._list(
            VisitorEvent,
            "SELECT data FROM visitor_events WHERE tenant_id = ? AND at >= ? AND at < ?"
            " ORDER BY at",
            (tenant_id, since.timestamp(), until.timestamp()),
        )

    async def add_purchase(self, purchase: Purchase) -> bool:
        inserted = await self._write(
            "INSERT OR IGNORE INTO purchases (tenant_id, order_id, at, data) VALUES (?, ?, ?, ?)",
            (
                purchase.tenant_id,
                purchase.order_id,
                purchase.at.timestamp(),
                purchase.model_dump_json(),
            ),
        )
        return inserted == 1

    async def get_purchase(self, tenant_id: str, order_id: str) -> Purchase | None:
        return await self._get(
            Purchase,
            "SELECT data FROM purchases WHERE tenant_id = ? AND order_id = ?",
            (tenant_id, order_id),
        )

    async def list_purchases(
        self, tenant_id: str, since: datetime, until: datetime
    ) -> list[Purchase]:
        return await self._list(
            Purchase,
            "SELECT data FROM purchases WHERE tenant_id = ? AND at >= ? AND at < ? ORDER BY at",
            (tenant_id, since.timestamp(), until.timestamp()),
        )

    async def put_live_visitor(self, visitor: LiveVisitor, ttl_s: int) -> None:
        expires = (visitor.seen_at + timedelta(seconds=ttl_s)).timestamp()
        await self._write(
            "INSERT OR REPLACE INTO live_visitors (tenant_id, id, expires, data)"
            " VALUES (?, ?, ?, ?)",
            (visitor.tenant_id, visitor.id, expires, visitor.model_dump_json()),
        )

    async def get_live_visitor(self, tenant_id: str, visitor_id: str) -> LiveVisitor | None:
        return await self._get(
            LiveVisitor,
            "SELECT data FROM live_visitors WHERE tenant_id = ? AND id = ?",
            (tenant_id, visitor_id),
        )

    async def list_live_visitors(self, tenant_id: str, now: datetime) -> list[LiveVisitor]:
        await self._write("DELETE FROM live_visitors WHERE expires <= ?", (now.timestamp(),))
        visitors = await self._list(
            LiveVisitor, "SELECT data FROM live_visitors WHERE tenant_id = ?", (tenant_id,)
        )
        return sorted(visitors, key=lambda v: v.seen_at, reverse=True)
