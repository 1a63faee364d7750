"""Contract tests, both backends: visitor events, purchases kept once per order id,
and live visitors that are forgotten after their time to live."""

from __future__ import annotations

from datetime import timedelta

from store.base import Store
from store.conversion_models import AgentInvitation, LiveVisitor, Purchase, VisitorEvent
from store.models import utcnow


async def test_visitor_events_list_by_tenant_and_window_oldest_first(store: Store) -> None:
    now = utcnow()
    older = VisitorEvent(
        id="e1",
        tenant_id="t1",
        visitor_id="v1",
        kind="invitation_shown",
        rule_id="r1",
        at=now - timedelta(minutes=5),
    )
    newer = VisitorEvent(
        id="e2",
        tenant_id="t1",
        visitor_id="v1",
        kind="invitation_dismissed",
        rule_id="r1",
        at=now,
    )
    other = VisitorEvent(id="e3", tenant_id="t2", visitor_id="v2", kind="checkout_step", at=now)
    for event in (newer, older, other):
        await store.add_visitor_event(event)
    await store.add_visitor_event(newer)  # the same id again changes nothing
    window = await store.list_visitor_events("t1", now - timedelta(hours=1), now + timedelta(1))
    assert window == [older, newer]
    assert await store.list_visitor_events("t1", now - timedelta(hours=1), now) == [older]


async def test_a_purchase_is_kept_once_per_tenant_and_order_id(store: Store) -> None:
    now = utcnow()
    first = Purchase(
        tenant_id="t1",
        order_id="o-1",
        visitor_id="v1",
        total=650.5,
        currency="EUR",
        at=now,
        attribution="assisted",
        escalation_id="e1",
        modality="video",
        trigger="proactive",
    )
    assert await store.add_purchase(first)
    again = first.model_copy(update={"total": 1.0, "attribution": "unassisted"})
    assert not await store.add_purchase(again)
    assert await store.get_purchase("t1", "o-1") == first
    other_tenant = first.model_copy(update={"tenant_id": "t2"})
    assert await store.add_purchase(other_tenant)
    assert await store.get_purchase("t1", "o-2") is None
    listed = await store.list_purchases("t1", now - timedelta(hours=1), now + timedelta(1))
    assert listed == [first]
    assert await store.list_purchases("t1", now + timedelta(seconds=1), now + timedelta(1)) == []


async def test_live_visitors_are_replaced_and_forgotten_after_their_ttl(store: Store) -> None:
    now = utcnow()
    visitor = LiveVisitor(
        id="v1",
        tenant_id="t1",
        rule_id="watch",
        page="/demo/checkout",
        cart_total=700.0,
        cart_items=1,
        seen_at=now,
    )
    await store.put_live_visitor(visitor, 30)
    invited = visitor.model_copy(
        update={"invitation": AgentInvitation(agent_id="a1", agent_name="Ana", modality="video")}
    )
    await store.put_live_visitor(invited, 30)
    await store.put_live_visitor(
        LiveVisitor(id="v2", tenant_id="t2", rule_id="watch", page="/x", seen_at=now), 30
    )
    assert await store.get_live_visitor("t1", "v1") == invited
    assert await store.list_live_visitors("t1", now) == [invited]
    assert await store.list_live_visitors("t1", now + timedelta(seconds=31)) == []
