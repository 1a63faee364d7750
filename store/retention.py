"""The retention part of the store: leases (one node at a time runs a job) and the
narrow deletes the purge job makes (``server/privacy/retention.py``).

Every purge method removes each item at most once even when two nodes call it at the
same time (one atomic statement or script per batch), so the sum of what all callers
report equals what was removed, and calling it again removes nothing more.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from store.escalation_models import Escalation


class RetentionStore(Protocol):
    async def acquire_lease(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        """Take the lease ``name`` for ``holder`` until ``now + ttl_s``, or renew it when
        ``holder`` has it already; False while another holder's lease runs (``until``
        after ``now``). Time is the caller's clock, so a test can move it."""
        ...

    async def release_lease(self, name: str, holder: str) -> bool:
        """Give the lease up if ``holder`` has it; False when it was not theirs."""
        ...

    async def list_tenant_ids(self) -> list[str]: ...

    async def purge_escalations(
        self, tenant_id: str, before: datetime, states: Collection[str], limit: int
    ) -> list[Escalation]:
        """Delete up to ``limit`` of the tenant's escalations in ``states`` created
        before ``before`` with their events, deadlines and chat conversation (record
        and messages); the deleted ones."""
        ...

    async def purge_consents(self, tenant_id: str, before: datetime) -> int:
        """Delete the consent records of the tenant's sessions whose newest record is
        older than ``before`` (a session's history goes as a whole); how many records."""
        ...

    async def purge_audit(self, tenant_id: str, before: datetime) -> int:
        """Delete the tenant's audit entries older than ``before``; how many."""
        ...

    async def purge_deliveries(self, tenant_id: str, before: datetime) -> int:
        """Delete the tenant's finished webhook deliveries created before ``before``."""
        ...
