"""Callback-request part of the store contract, on both backends."""

from __future__ import annotations

from datetime import timedelta

from store.base import Store
from store.callbacks import CallbackRequest
from store.models import utcnow

T0 = utcnow()


def request(n: int, tenant: str = "t1") -> CallbackRequest:
    return CallbackRequest(
        id=f"cb{n}",
        tenant_id=tenant,
        name=f"Customer {n}",
        phone="+55 11 5555-0000",
        reason="closed",
        created_at=T0 + timedelta(seconds=n),
    )


async def test_callbacks_are_listed_oldest_first_per_tenant_and_status(store: Store) -> None:
    for n in (3, 1, 2):
        await store.create_callback(request(n))
    await store.create_callback(request(9, tenant="t2"))
    assert [c.id for c in await store.list_callbacks("t1")] == ["cb1", "cb2", "cb3"]
    assert [c.id for c in await store.list_callbacks("t1", limit=2)] == ["cb1", "cb2"]
    assert [c.id for c in await store.list_callbacks("t2", "open")] == ["cb9"]

    done = (await store.get_callback("cb2")) or request(0)
    await store.update_callback(done.model_copy(update={"status": "done", "done_by": "ag_ana"}))
    assert [c.id for c in await store.list_callbacks("t1", "open")] == ["cb1", "cb3"]
    assert [(c.id, c.done_by) for c in await store.list_callbacks("t1", "done")] == [
        ("cb2", "ag_ana")
    ]
    assert await store.get_callback("missing") is None
