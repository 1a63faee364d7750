"""SQLite part: webhook endpoints and deliveries (pending ones indexed by due time)."""

from __future__ import annotations

from datetime import datetime

from store.engagement_models import WebhookDelivery, WebhookEndpoint
from store.sqlite.base import SqliteBase


class SqliteWebhooks(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS webhooks (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, endpoint_id TEXT NOT NULL,
        created REAL NOT NULL, due REAL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (due)
        WHERE due IS NOT NULL;
    CREATE INDEX IF NOT EXISTS webhook_deliveries_tenant
        ON webhook_deliveries (tenant_id, created);
    CREATE INDEX IF NOT EXISTS webhook_deliveries_escalation
        ON webhook_deliveries (json_extract(data, '$.escalation_id'))
        WHERE json_extract(data, '$.escalation_id') IS NOT NULL;
    """

    async def put_webhook(self, endpoint: WebhookEndpoint) -> None:
        await self._write(
            "INSERT OR REPLACE INTO webhooks (id, tenant_id, data) VALUES (?, ?, ?)",
            (endpoint.id, endpoint.tenant_id, endpoint.model_dump_json()),
        )

    async def get_webhook(self, endpoint_id: str) -> WebhookEndpoint | None:
        return await self._get(
            WebhookEndpoint, "SELECT data FROM webhooks WHERE id = ?", (endpoint_id,)
        )

    async def list_webhooks(self, tenant_id: str) -> list[WebhookEndpoint]:
        return await self._list(
            WebhookEndpoint,
            "SELECT data FROM webhooks WHERE tenant_id = ? ORDER BY id",
            (tenant_id,),
        )

    async def delete_webhook(self, endpoint_id: str) -> bool:
        return await self._write("DELETE FROM webhooks WHERE id = ?", (endpoint_id,)) == 1

    async def save_delivery(self, delivery: WebhookDelivery) -> None:
        due = (
            delivery.next_attempt_at.timestamp()
            if delivery.status == "pending" and delivery.next_attempt_at is not None
            else None
        )
        await self._write(
            "INSERT OR REPLACE INTO webhook_deliveries "
            "(id, tenant_id, endpoint_id, created, due, data) VALUES (?, ?, ?, ?, ?, ?)",
            (
                delivery.id,
                delivery.tenant_id,
                delivery.endpoint_id,
                delivery.created_at.timestamp(),
                due,
                delivery.model_dump_json(),
            ),
        )

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None:
        return await self._get(
            WebhookDelivery, "SELECT data FROM webhook_deliveries WHERE id = ?", (delivery_id,)
        )

    async def claim_due_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        # One statement: no other claimer can slip between the select and the update.
        rows = await self._returning(
            "UPDATE webhook_deliveries SET due = ? WHERE id IN ("
            " SELECT id FROM webhook_deliveries WHERE due IS NOT NULL AND due <= ?"
            " ORDER BY due LIMIT ?) RETURNING data",
            (lease_until.timestamp(), now.timestamp(), limit),
        )
        return [
            WebhookDelivery.model_validate_json(r[0]).model_copy(
                update={"next_attempt_at": lease_until}
            )
            for r in rows
        ]

    async def list_deliveries(
        self, tenant_id: str, endpoint_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        if endpoint_id is None:
            return await self._list(
                WebhookDelivery,
                "SELECT data FROM webhook_deliveries WHERE tenant_id = ? "
                "ORDER BY created DESC LIMIT ?",
                (tenant_id, limit),
            )
        return await self._list(
            WebhookDelivery,
            "SELECT data FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? "
            "ORDER BY created DESC LIMIT ?",
            (tenant_id, endpoint_id, limit),
        )

    async def prune_deliveries(self, before: datetime) -> int:
        return await self._write(
            "DELETE FROM webhook_deliveries WHERE due IS NULL AND created < ?",
            (before.timestamp(),),
        )
