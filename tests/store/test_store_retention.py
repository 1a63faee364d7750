"""Retention part of the store contract (leases and the purge job's deletes), on both
backends: the same answers from SQLite and Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from store.audit_models import AuditEvent
from store.base import Store
from store.chat_models import ChatMessage, Conversation
from store.engagement_models import WebhookDelivery
from store.escalation_models import Deadline
from store.models import Tenant
from store.privacy_models import ConsentRecord
from tests.store.test_store_escalations import create, make_escalation, move

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FINISHED = ("completed", "abandoned")


async def test_a_lease_has_one_holder_until_it_expires(store: Store) -> None:
    assert await store.acquire_lease("purge", "node-a", T0, 30)
    assert not await store.acquire_lease("purge", "node-b", T0 + timedelta(seconds=29), 30)
    # the holder renews it: it now runs 30 s from the renewal
    assert await store.acquire_lease("purge", "node-a", T0 + timedelta(seconds=20), 30)
    assert not await store.acquire_lease("purge", "node-b", T0 + timedelta(seconds=45), 30)
    # node-a dies without releasing: once the lease has run out, node-b takes it
    assert await store.acquire_lease("purge", "node-b", T0 + timedelta(seconds=50), 30)
    assert not await store.acquire_lease("purge", "node-a", T0 + timedelta(seconds=51), 30)
    # another lease name is independent
    assert await store.acquire_lease("other", "node-a", T0 + timedelta(seconds=51), 30)


async def test_only_the_holder_releases_a_lease(store: Store) -> None:
    assert await store.acquire_lease("purge", "node-a", T0, 30)
    assert not await store.release_lease("purge", "node-b")
    assert not await store.acquire_lease("purge", "node-b", T0, 30)
    assert await store.release_lease("purge", "node-a")
    assert not await store.release_lease("purge", "node-a")
    assert await store.acquire_lease("purge", "node-b", T0, 30)


async def test_concurrent_acquires_have_one_winner(store: Store) -> None:
    got = await asyncio.gather(*(store.acquire_lease("purge", f"n{i}", T0, 30) for i in range(8)))
    assert sum(got) == 1


async def test_tenant_ids_are_listed(store: Store) -> None:
    await store.put_tenant(Tenant(id="t1", name="One"))
    await store.put_tenant(Tenant(id="t2", name="Two"))
    ids = await store.list_tenant_ids()
    assert {"t1", "t2"} <= set(ids)


async def test_finished_escalations_older_than_the_cutoff_go_with_their_chat(
    store: Store,
) -> None:
    cutoff = datetime.now(UTC) - timedelta(days=30)
    old = cutoff - timedelta(days=1)
    done = await create(
        store,
        make_escalation("old_done", created_at=old, customer_id="cus_1", conversation_id="cv1"),
        state="accepted",
    )
    _, done = await move(store, done, "completed")
    await store.put_deadline(Deadline(escalation_id="old_done", kind="reconnect", due=old))
    await store.create_conversation(Conversation(id="cv1", tenant_id="t1", session_id="s1"))
    await store.append_message(
        ChatMessage(
            id="m1",
            conversation_id="cv1",
            seq=0,
            sender="customer",
            sender_id="c",
            sender_name="Ana",
            text="mi tarjeta es…",
        )
    )
    live = await create(store, make_escalation("old_live", created_at=old))  # still queued
    new = await create(store, make_escalation("new_done"), state="accepted")
    _, new = await move(store, new, "completed")
    other = await create(
        store, make_escalation("other_tenant", tenant_id="t2", created_at=old), state="accepted"
    )
    _, other = await move(store, other, "abandoned")

    purged = await store.purge_escalations("t1", cutoff, FINISHED, 100)
    assert [e.id for e in purged] == ["old_done"]
    assert await store.get_escalation("old_done") is None
    assert await store.list_events("old_done") == []
    assert await store.get_deadlines("old_done") == {}
    assert await store.get_conversation("cv1") is None
    assert await store.list_messages("cv1") == []
    assert [e.id for e in await store.list_escalations("t1", customer_id="cus_1")] == []
    assert await store.count_by_state("t1", ["completed"]) == {"completed": 1}
    # kept: a live one however old, a new one, another tenant's
    assert (await store.get_escalation(live.id)) is not None
    assert (await store.get_escalation(new.id)) is not None
    assert (await store.get_escalation(other.id)) is not None
    # idempotent
    assert await store.purge_escalations("t1", cutoff, FINISHED, 100) == []


async def test_escalation_purge_takes_at_most_the_limit_and_each_once(store: Store) -> None:
    cutoff = datetime.now(UTC) - timedelta(days=1)
    for n in range(7):
        esc = await create(
            store, make_escalation(f"e{n}", created_at=cutoff - timedelta(hours=n + 1)), "accepted"
        )
        await move(store, esc, "completed")
    first = await store.purge_escalations("t1", cutoff, FINISHED, 3)
    assert len(first) == 3
    # two purgers at once: every escalation is reported by exactly one of them
    a, b = await asyncio.gather(
        store.purge_escalations("t1", cutoff, FINISHED, 100),
        store.purge_escalations("t1", cutoff, FINISHED, 100),
    )
    ids = [e.id for e in first + a + b]
    assert sorted(ids) == [f"e{n}" for n in range(7)]


def consent(n: int, session: str, at: datetime, tenant: str = "t1") -> ConsentRecord:
    return ConsentRecord(
        id=f"c{n}",
        tenant_id=tenant,
        session_id=session,
        participant_id="cus_1",
        participant_role="customer",
        kind="recording",
        decision="granted",
        text="ok",
        lang="en",
        at=at,
    )


async def test_a_sessions_consents_go_once_its_newest_is_older_than_the_cutoff(
    store: Store,
) -> None:
    cutoff = T0 + timedelta(days=10)
    await store.append_consent(consent(1, "s_old", T0))
    await store.append_consent(consent(2, "s_old", T0 + timedelta(days=1)))
    await store.append_consent(consent(3, "s_mixed", T0))
    await store.append_consent(consent(4, "s_mixed", cutoff + timedelta(seconds=1)))
    await store.append_consent(consent(5, "s_t2", T0, tenant="t2"))
    assert await store.purge_consents("t1", cutoff) == 2
    assert await store.list_consents("s_old") == []
    assert [c.id for c in await store.list_consents("s_mixed")] == ["c3", "c4"]
    assert [c.id for c in await store.list_consents("s_t2")] == ["c5"]
    assert await store.purge_consents("t1", cutoff) == 0
    assert await store.purge_consents("t1", cutoff + timedelta(days=1)) == 2


def audit(n: int, at: datetime, tenant: str = "t1") -> AuditEvent:
    return AuditEvent(
        id=f"a{n}",
        tenant_id=tenant,
        actor_id="ag",
        actor_name="Ada",
        action="site.updated",
        target_type="site",
        target_id="s",
        at=at,
    )


async def test_audit_entries_older_than_the_cutoff_go(store: Store) -> None:
    for n in range(5):
        await store.append_audit(audit(n, T0 + timedelta(days=n)))
    await store.append_audit(audit(9, T0, tenant="t2"))
    cutoff = T0 + timedelta(days=2, microseconds=500_000)  # mixed precision compares as time
    assert await store.purge_audit("t1", cutoff) == 3
    assert [e.id for e in await store.list_audit("t1")] == ["a4", "a3"]
    assert await store.purge_audit("t1", cutoff) == 0
    assert [e.id for e in await store.list_audit("t2")] == ["a9"]


def delivery(ident: str, created: datetime, status: str, tenant: str = "t1") -> WebhookDelivery:
    return WebhookDelivery.model_validate(
        {
            "id": ident,
            "tenant_id": tenant,
            "endpoint_id": "wh1",
            "event_type": "escalation.queued",
            "body": '{"context": {"name": "Ana"}}',
            "status": status,
            "created_at": created,
            "next_attempt_at": created if status == "pending" else None,
        }
    )


async def test_finished_webhook_deliveries_older_than_the_cutoff_go(store: Store) -> None:
    cutoff = datetime.now(UTC) - timedelta(days=7)
    old = cutoff - timedelta(hours=1)
    await store.save_delivery(delivery("d_old", old, "delivered"))
    await store.save_delivery(delivery("d_failed", old, "failed"))
    await store.save_delivery(delivery("d_pending", old, "pending"))
    await store.save_delivery(delivery("d_new", datetime.now(UTC), "delivered"))
    await store.save_delivery(delivery("d_t2", old, "delivered", tenant="t2"))
    assert await store.purge_deliveries("t1", cutoff) == 2
    assert await store.get_delivery("d_old") is None
    assert await store.get_delivery("d_failed") is None
    for kept in ("d_pending", "d_new", "d_t2"):
        assert await store.get_delivery(kept) is not None
    assert await store.purge_deliveries("t1", cutoff) == 0


async def test_many_old_audit_entries_go_in_one_call(store: Store) -> None:
    """More than one page of them (the Redis store reads the list's tail by pages)."""
    for n in range(450):
        await store.append_audit(audit(n, T0 + timedelta(seconds=n)))
    for n in range(450, 453):
        await store.append_audit(audit(n, T0 + timedelta(days=5)))
    assert await store.purge_audit("t1", T0 + timedelta(days=1)) == 450
    assert [e.id for e in await store.list_audit("t1")] == ["a452", "a451", "a450"]
