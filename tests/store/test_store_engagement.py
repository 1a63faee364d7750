"""Contract tests, both backends: rules documents, bot conversations, CSAT, webhooks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from store.base import Store
from store.engagement_models import (
    BotConversation,
    BotMessage,
    CsatAnswer,
    WebhookDelivery,
    WebhookEndpoint,
)
from store.models import utcnow


async def test_rules_document_round_trips_and_is_replaced(store: Store) -> None:
    assert await store.get_rules_document("t1") is None
    await store.put_rules_document("t1", '{"a": 1}')
    await store.put_rules_document("t1", '{"a": 2}')
    assert await store.get_rules_document("t1") == '{"a": 2}'
    assert await store.get_rules_document("t2") is None


async def test_bot_conversation_round_trips(store: Store) -> None:
    conversation = BotConversation(
        id="c1",
        tenant_id="t1",
        language="pt",
        transcript=[BotMessage(role="customer", text="olá", intent="greeting", confidence=0.9)],
        failed=1,
    )
    await store.put_bot_conversation(conversation)
    assert await store.get_bot_conversation("c1") == conversation
    assert await store.get_bot_conversation("c2") is None


async def test_csat_is_kept_once_per_escalation(store: Store) -> None:
    first = CsatAnswer(escalation_id="e1", tenant_id="t1", score=5, comment="great")
    second = CsatAnswer(escalation_id="e1", tenant_id="t1", score=1)
    results = await asyncio.gather(store.add_csat(first), store.add_csat(second))
    assert sorted(results) == [False, True]
    kept = await store.get_csat("e1")
    assert kept in (first, second)
    assert not await store.add_csat(first)


async def test_csat_is_listed_by_tenant_and_time_window(store: Store) -> None:
    now = utcnow()
    for i, tenant in enumerate(["t1", "t1", "t2"]):
        await store.add_csat(
            CsatAnswer(
                escalation_id=f"e{i}", tenant_id=tenant, score=3, at=now - timedelta(hours=i)
            )
        )
    listed = await store.list_csat("t1", now - timedelta(hours=2), now + timedelta(seconds=1))
    assert [a.escalation_id for a in listed] == ["e1", "e0"]
    assert await store.list_csat("t1", now - timedelta(minutes=30), now) == []


def endpoint(endpoint_id: str = "wh1", tenant: str = "t1") -> WebhookEndpoint:
    return WebhookEndpoint(
        id=endpoint_id, tenant_id=tenant, url="http://127.0.0.1:1/hook", secret="whsec_AAAA"
    )


async def test_webhook_endpoints_are_created_listed_and_deleted(store: Store) -> None:
    second = endpoint("wh2")
    await store.put_webhook(endpoint("wh1"))
    await store.put_webhook(second)
    await store.put_webhook(endpoint("wh3", tenant="t2"))
    assert [w.id for w in await store.list_webhooks("t1")] == ["wh1", "wh2"]
    assert await store.get_webhook("wh2") == second
    assert await store.delete_webhook("wh1")
    assert not await store.delete_webhook("wh1")
    assert [w.id for w in await store.list_webhooks("t1")] == ["wh2"]


def delivery(delivery_id: str, due_in_s: float, endpoint_id: str = "wh1") -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        id=delivery_id,
        tenant_id="t1",
        endpoint_id=endpoint_id,
        event_type="escalation.queued",
        body="{}",
        next_attempt_at=now + timedelta(seconds=due_in_s),
        created_at=now,
    )


async def test_only_due_deliveries_are_claimed_and_the_claim_leases_them(store: Store) -> None:
    await store.save_delivery(delivery("d1", -1))
    await store.save_delivery(delivery("d2", 60))
    now = utcnow()
    lease = now + timedelta(seconds=30)
    claimed = await store.claim_due_deliveries(now, lease, 10)
    assert [d.id for d in claimed] == ["d1"]
    assert claimed[0].next_attempt_at == lease
    assert await store.claim_due_deliveries(now, lease, 10) == []
    # When the lease runs out (the claimer died), another claimer gets it.
    later = await store.claim_due_deliveries(lease + timedelta(seconds=1), lease, 10)
    assert [d.id for d in later] == ["d1"]


async def test_concurrent_claimers_never_get_the_same_delivery(store: Store) -> None:
    for i in range(30):
        await store.save_delivery(delivery(f"d{i:02}", -1))
    now = utcnow()
    lease = now + timedelta(seconds=30)
    batches = await asyncio.gather(*(store.claim_due_deliveries(now, lease, 4) for _ in range(10)))
    ids = [d.id for batch in batches for d in batch]
    assert sorted(ids) == [f"d{i:02}" for i in range(30)]


async def test_finished_deliveries_are_no_longer_due_and_stay_in_the_log(store: Store) -> None:
    pending = delivery("d1", -1)
    await store.save_delivery(pending)
    await store.save_delivery(pending.model_copy(update={"status": "delivered"}))
    assert await store.claim_due_deliveries(utcnow(), utcnow(), 10) == []
    got = await store.get_delivery("d1")
    assert got is not None and got.status == "delivered"
    await store.save_delivery(delivery("d2", 5, endpoint_id="wh2"))
    assert [d.id for d in await store.list_deliveries("t1")] == ["d2", "d1"]
    assert [d.id for d in await store.list_deliveries("t1", "wh2")] == ["d2"]
    assert await store.list_deliveries("t2") == []


async def test_old_finished_deliveries_are_pruned_and_pending_ones_kept(store: Store) -> None:
    old = delivery("old", -1).model_copy(
        update={"status": "delivered", "created_at": utcnow() - timedelta(days=30)}
    )
    stuck = delivery("stuck", -1).model_copy(update={"created_at": utcnow() - timedelta(days=30)})
    await store.save_delivery(old)
    await store.save_delivery(stuck)
    await store.save_delivery(delivery("new", 5).model_copy(update={"status": "failed"}))
    assert await store.prune_deliveries(utcnow() - timedelta(days=14)) == 1
    assert await store.get_delivery("old") is None
    assert sorted(d.id for d in await store.list_deliveries("t1")) == ["new", "stuck"]
    assert [d.id for d in await store.list_deliveries("t1", "wh1")] == ["new", "stuck"]
