"""Data-subject part of the store contract (find and erase one customer's records), on
both backends."""

from __future__ import annotations

from datetime import timedelta

from store.base import Store
from store.callbacks import CallbackRequest
from store.chat_models import ChatMessage, Conversation
from store.engagement_models import BotConversation, CsatAnswer, WebhookDelivery
from store.escalation_models import (
    Context,
    CustomerInfo,
    Escalation,
    EscalationEvent,
    EscalationWrite,
)
from store.models import utcnow
from store.subjects import Ref, subject_key
from tests.store.test_store_escalations import create, make_escalation

ANA = CustomerInfo(id="cust-42", name="Ana  Pérez", email="Ana@Example.com")


def ana_escalation(esc_id: str, **fields: object) -> Escalation:
    return make_escalation(esc_id, context=Context(customer=ANA), **fields)


def keys(kind: str, value: str) -> list[str]:
    return [subject_key(kind, value)]  # type: ignore[arg-type]


async def test_a_customer_is_found_by_id_email_or_name_in_its_own_tenant(store: Store) -> None:
    await create(store, ana_escalation("esc1", customer_id="cust-42"))
    await create(store, ana_escalation("esc2"))  # unverified: the id is only in the context
    await create(store, make_escalation("esc3", context=Context(customer=CustomerInfo(id="x"))))
    await create(store, ana_escalation("esc4", tenant_id="t2"))
    await store.create_conversation(
        Conversation(
            id="c1", tenant_id="t1", session_id="s_c1", context={"customer": {"name": "ANA PÉREZ"}}
        )
    )
    await store.create_callback(
        CallbackRequest(id="cb1", tenant_id="t1", name="Other", phone="ana@example.com")
    )
    await store.create_callback(
        CallbackRequest(id="cb2", tenant_id="t1", name="Bob", phone="+34 600", customer_id="b")
    )
    esc = [Ref("escalation", "esc1"), Ref("escalation", "esc2")]
    assert await store.subject_refs("t1", keys("customer_id", "cust-42")) == esc
    assert await store.subject_refs("t1", keys("email", " ana@EXAMPLE.com")) == [
        Ref("callback", "cb1"),
        *esc,
    ]
    assert await store.subject_refs("t1", keys("name", "ana pérez")) == [
        Ref("conversation", "c1"),
        *esc,
    ]
    assert await store.subject_refs("t2", keys("name", "Ana Pérez")) == [Ref("escalation", "esc4")]
    assert await store.subject_refs("t1", keys("customer_id", "cust-4")) == []
    assert await store.subject_refs("t1", []) == []
    both = keys("customer_id", "cust-42") + keys("email", "ana@example.com")
    assert len(await store.subject_refs("t1", both)) == 3  # deduplicated
    assert len(await store.subject_refs("t1", both, limit=2)) == 2


async def test_forgetting_refs_removes_only_that_record(store: Store) -> None:
    await create(store, ana_escalation("esc1"))
    await create(store, ana_escalation("esc2"))
    name = keys("name", "Ana Pérez")
    await store.forget_subject_refs("t1", name, Ref("escalation", "esc1"))
    assert await store.subject_refs("t1", name) == [Ref("escalation", "esc2")]
    assert await store.subject_refs("t1", keys("email", "ana@example.com")) == [
        Ref("escalation", "esc1"),
        Ref("escalation", "esc2"),
    ]


async def test_anonymising_keeps_state_and_times_and_drops_the_rest(store: Store) -> None:
    esc = await create(store, ana_escalation("esc1", customer_id="cust-42"), state="in_session")
    noted = EscalationEvent(
        id="esc1-3",
        escalation_id="esc1",
        seq=3,
        type="transferred",
        actor="a1",
        data={"from_agent_id": "a1", "to": "agent", "note": "Ana lives at Calle Mayor 1"},
    )
    done = EscalationEvent(
        id="esc1-4",
        escalation_id="esc1",
        seq=4,
        type="completed",
        actor="a1",
        data={"handle_s": 12.5, "reason": "Ana was rude", "comment": "x"},
    )
    esc = esc.model_copy(update={"state": "completed", "seq": 4})
    assert (
        await store.write_escalation(
            EscalationWrite(
                escalation=esc, expected_seq=2, events=(noted, done), previous_state="in_session"
            )
        )
        == "ok"
    )
    blank = esc.model_copy(update={"context": Context(), "customer_id": None})
    assert await store.anonymise_escalation(blank)
    got = await store.get_escalation("esc1")
    assert got is not None and got.context == Context() and got.state == "completed"
    assert got.created_at == esc.created_at and got.seq == esc.seq
    events = await store.list_events("esc1")
    assert [e.type for e in events] == ["requested", "in_session", "transferred", "completed"]
    assert [e.data for e in events[2:]] == [
        {"from_agent_id": "a1", "to": "agent"},
        {"handle_s": 12.5},
    ]
    assert [e.at for e in events[2:]] == [noted.at, done.at]
    assert await store.list_escalations("t1", customer_id="cust-42") == []
    assert await store.count_by_state("t1", ["completed"]) == {"completed": 1}
    stale = blank.model_copy(update={"seq": esc.seq - 1})
    assert not await store.anonymise_escalation(stale)  # changed meanwhile: nothing changes
    assert not await store.anonymise_escalation(make_escalation("nope"))


async def test_deleting_a_conversation_forgets_its_messages_and_bot_memory(store: Store) -> None:
    await store.create_conversation(Conversation(id="c1", tenant_id="t1", session_id="s1"))
    await store.create_conversation(Conversation(id="c2", tenant_id="t1", session_id="s2"))
    for conv in ("c1", "c1", "c2"):
        await store.append_message(
            ChatMessage(
                id="m",
                conversation_id=conv,
                seq=0,
                sender="customer",
                sender_id="p",
                sender_name="Ana",
                text="hola",
            )
        )
    await store.put_bot_conversation(BotConversation(id="c1", tenant_id="t1"))
    assert await store.delete_conversation("c1") == 2
    assert await store.get_conversation("c1") is None
    assert await store.list_messages("c1") == []
    assert await store.get_bot_conversation("c1") is None
    assert await store.delete_conversation("c1") == -1
    assert len(await store.list_messages("c2")) == 1


async def test_callbacks_are_deleted_and_csat_keeps_its_score(store: Store) -> None:
    await store.create_callback(CallbackRequest(id="cb1", tenant_id="t1", name="A", phone="1"))
    assert await store.delete_callback("cb1")
    assert await store.get_callback("cb1") is None
    assert await store.list_callbacks("t1") == []
    assert not await store.delete_callback("cb1")
    now = utcnow()
    await store.add_csat(CsatAnswer(escalation_id="esc1", tenant_id="t1", score=4, comment="Ana"))
    assert await store.scrub_csat("esc1")
    got = await store.get_csat("esc1")
    assert got is not None and got.score == 4 and got.comment == ""
    window = await store.list_csat("t1", now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert [a.score for a in window] == [4]
    assert not await store.scrub_csat("esc2")


def delivery(delivery_id: str, escalation_id: str | None) -> WebhookDelivery:
    return WebhookDelivery(
        id=delivery_id,
        tenant_id="t1",
        endpoint_id="wh1",
        event_type="escalation.created",
        body="{}",
        escalation_id=escalation_id,
        next_attempt_at=utcnow(),
    )


async def test_webhook_deliveries_are_found_and_deleted_per_escalation(store: Store) -> None:
    for d in (delivery("d1", "esc1"), delivery("d2", "esc1"), delivery("d3", "esc2")):
        await store.save_delivery(d)
    await store.save_delivery(delivery("d4", None))
    found = await store.deliveries_for_escalation("esc1")
    assert [d.id for d in found] == ["d1", "d2"]
    assert await store.delete_deliveries(found) == 2
    assert await store.deliveries_for_escalation("esc1") == []
    assert await store.get_delivery("d1") is None
    assert sorted(d.id for d in await store.list_deliveries("t1")) == ["d3", "d4"]
    claimed = await store.claim_due_deliveries(utcnow(), utcnow(), 10)
    assert sorted(d.id for d in claimed) == ["d3", "d4"]  # d1, d2 are no longer due either
    assert await store.delete_deliveries([]) == 0


async def test_pruned_deliveries_leave_the_escalation_index(store: Store) -> None:
    old = delivery("d1", "esc1").model_copy(
        update={"status": "delivered", "created_at": utcnow() - timedelta(days=30)}
    )
    await store.save_delivery(old)
    await store.save_delivery(delivery("d2", "esc1"))
    assert await store.prune_deliveries(utcnow() - timedelta(days=1)) == 1
    assert [d.id for d in await store.deliveries_for_escalation("esc1")] == ["d2"]
