"""Store protocol for webhook endpoints and their deliveries.

Pending deliveries are deadlines kept in the store: any node claims the due ones
atomically (the claim leases them until ``lease_until``), so when a node dies mid-way
the lease runs out and another node retries; none is lost, none is sent twice at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from store.engagement_models import WebhookDelivery, WebhookEndpoint


class WebhookStore(Protocol):
    async def put_webhook(self, endpoint: WebhookEndpoint) -> None: ...
    async def get_webhook(self, endpoint_id: str) -> WebhookEndpoint | None: ...
    async def list_webhooks(self, tenant_id: str) -> list[WebhookEndpoint]: ...
    async def delete_webhook(self, endpoint_id: str) -> bool: ...

    async def save_delivery(self, delivery: WebhookDelivery) -> None:
        """Insert or replace; a pending delivery is due at its ``next_attempt_at``."""
        ...

    async def get_delivery(self, delivery_id: str) -> WebhookDelivery | None: ...
    async def claim_due_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        """Pending deliveries due at ``now``, re-dated to ``lease_until``; one claimer each."""
        ...

    async def list_deliveries(
        self, tenant_id: str, endpoint_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """Newest first."""
        ...

    async def prune_deliveries(self, before: datetime) -> int:
        """Forget finished (delivered or failed) deliveries created before ``before``."""
        ...
