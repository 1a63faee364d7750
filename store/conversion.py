"""Store protocol for proactive invitations and assisted conversion."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from store.conversion_models import LiveVisitor, Purchase, VisitorEvent


class ConversionStore(Protocol):
    async def add_visitor_event(self, event: VisitorEvent) -> None: ...
    async def list_visitor_events(
        self, tenant_id: str, since: datetime, until: datetime
    ) -> list[VisitorEvent]:
        """Events at [since, until), oldest first."""
        ...

    async def add_purchase(self, purchase: Purchase) -> bool:
        """Keep the purchase; False (and nothing changes) when the tenant already has
        one with this order id."""
        ...

    async def get_purchase(self, tenant_id: str, order_id: str) -> Purchase | None: ...
    async def list_purchases(
        self, tenant_id: str, since: datetime, until: datetime
    ) -> list[Purchase]:
        """Purchases at [since, until), oldest first."""
        ...

    async def put_live_visitor(self, visitor: LiveVisitor, ttl_s: int) -> None:
        """Add or replace; the visitor is forgotten ``ttl_s`` after ``seen_at``."""
        ...

    async def get_live_visitor(self, tenant_id: str, visitor_id: str) -> LiveVisitor | None: ...
    async def list_live_visitors(self, tenant_id: str, now: datetime) -> list[LiveVisitor]:
        """Visitors not yet forgotten at ``now``, most recently seen first."""
        ...
