"""Chat part of the store contract, on both backends."""

from __future__ import annotations

import asyncio

from store.base import Store
from store.chat_models import Attachment, ChatMessage, Conversation


def message(text: str, client_id: str | None = None, conversation_id: str = "c1") -> ChatMessage:
    return ChatMessage(
        id=f"m-{text}",
        conversation_id=conversation_id,
        seq=0,
        sender="customer",
        sender_id="p1",
        sender_name="Customer",
        text=text,
        client_id=client_id,
    )


async def test_conversation_round_trip(store: Store) -> None:
    conversation = Conversation(id="c1", tenant_id="t1", session_id="s1", context={"page": "/x"})
    await store.create_conversation(conversation)
    assert await store.get_conversation("c1") == conversation
    taken = conversation.model_copy(update={"state": "agent", "agent_id": "ag"})
    await store.update_conversation(taken)
    assert await store.get_conversation("c1") == taken
    assert await store.get_conversation("nope") is None


async def test_messages_get_consecutive_seqs_under_concurrency(store: Store) -> None:
    stored = await asyncio.gather(*(store.append_message(message(str(i))) for i in range(30)))
    assert sorted(m.seq for m in stored) == list(range(1, 31))
    listed = await store.list_messages("c1")
    assert [m.seq for m in listed] == list(range(1, 31))
    assert {m.text for m in listed} == {str(i) for i in range(30)}


async def test_history_after_a_seq_and_limit(store: Store) -> None:
    for i in range(5):
        await store.append_message(message(f"t{i}"))
    assert [m.text for m in await store.list_messages("c1", after_seq=3)] == ["t3", "t4"]
    assert [m.seq for m in await store.list_messages("c1", after_seq=1, limit=2)] == [2, 3]
    assert await store.list_messages("c1", after_seq=5) == []
    assert await store.list_messages("other") == []


async def test_retried_message_is_stored_once(store: Store) -> None:
    first = await store.append_message(message("hello", client_id="k1"))
    again = await store.append_message(message("hello", client_id="k1"))
    assert again.seq == first.seq == 1
    other = await store.append_message(message("hello", client_id="k1", conversation_id="c2"))
    assert other.seq == 1
    assert len(await store.list_messages("c1")) == 1


async def test_attachment_round_trips(store: Store) -> None:
    pic = Attachment(
        name="a.png", content_type="image/png", data_url="data:image/png;base64,AA==", size=1
    )
    stored = await store.append_message(message("see").model_copy(update={"attachment": pic}))
    assert (await store.list_messages("c1"))[0].attachment == pic == stored.attachment


async def test_concurrent_retries_of_one_message_store_it_once(store: Store) -> None:
    results = await asyncio.gather(
        *(store.append_message(message("same", client_id="k")) for _ in range(10))
    )
    assert {m.seq for m in results} == {1}
    assert len(await store.list_messages("c1")) == 1
