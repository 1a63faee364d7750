"""Audit-log part of the store contract, on both backends."""

from __future__ import annotations

from store.audit_models import AuditEvent
from store.base import Store


def event(n: int, tenant: str = "t1") -> AuditEvent:
    return AuditEvent(
        id=f"e{n}",
        tenant_id=tenant,
        actor_id="ag_admin",
        actor_name="Admin",
        action="site.updated",
        target_type="site",
        target_id="site1",
        changes={"n": n},
    )


async def test_audit_is_listed_newest_first_per_tenant(store: Store) -> None:
    for n in range(5):
        await store.append_audit(event(n))
    await store.append_audit(event(99, tenant="t2"))
    assert [e.id for e in await store.list_audit("t1")] == ["e4", "e3", "e2", "e1", "e0"]
    assert [e.id for e in await store.list_audit("t1", limit=2)] == ["e4", "e3"]
    assert [e.changes for e in await store.list_audit("t2")] == [{"n": 99}]
    assert await store.list_audit("t3") == []
