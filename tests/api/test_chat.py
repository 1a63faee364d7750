"""The text channel over real HTTP and Socket.IO: ordering, history, limits, escaping."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.api import bearer, login, problem
from tests.support.chat_helpers import assign, start_conversation
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def data_url(raw: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(raw).decode()}"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def chat_pair(
    http: aiohttp.ClientSession, server: RunningServer
) -> tuple[str, SioPeer, SioPeer]:
    conv = await start_conversation(http, server, {"page": {"url": "/demo/checkout"}})
    await assign(server, conv["conversation_id"])
    customer = await SioPeer("/chat").connect(server.url, conv["token"])
    agent = await SioPeer("/chat").connect(server.url, await login(http, server))
    for peer in (customer, agent):
        ack = await peer.call("join", {"conversation_id": conv["conversation_id"]})
        assert ack["ok"], ack
    return conv["conversation_id"], customer, agent


async def test_messages_arrive_in_sequence_order(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, customer, agent = await chat_pair(http, server)
    try:
        acks = await asyncio.gather(
            *(
                customer.call("message", {"conversation_id": cid, "text": f"m{i}"})
                for i in range(20)
            )
        )
        assert sorted(a["message"]["seq"] for a in acks) == list(range(1, 21))
        received = [await agent.next("message") for _ in range(20)]
        assert [m["seq"] for m in received] == list(range(1, 21))
        assert received[0]["sender"] == "customer" and customer.pending("message") == 0
    finally:
        await customer.close()
        await agent.close()


async def test_history_after_reconnect_has_what_was_missed(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, customer, agent = await chat_pair(http, server)
    try:
        await agent.call("message", {"conversation_id": cid, "text": "hola, soy Ana"})
        seen = (await customer.next("message"))["seq"]
        await customer.close()
        for text in ("¿sigues ahí?", "te envío el enlace"):
            await agent.call("message", {"conversation_id": cid, "text": text})
        token = customer.client.connection_auth["token"]
        customer = await SioPeer("/chat").connect(server.url, token)
        ack = await customer.call("join", {"conversation_id": cid, "after_seq": seen})
        assert [m["text"] for m in ack["messages"]] == ["¿sigues ahí?", "te envío el enlace"]
    finally:
        await customer.close()
        await agent.close()


async def test_typing_indicator_reaches_the_other_side(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, customer, agent = await chat_pair(http, server)
    try:
        await customer.call("typing", {"conversation_id": cid, "typing": True})
        typing = await agent.next("typing")
        assert typing["typing"] is True and typing["from"]["kind"] == "customer"
    finally:
        await customer.close()
        await agent.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"text": "x" * 2001}, "validation"),
        ({"text": "   "}, "validation"),
        ({"text": 5}, "validation"),
        (
            {"attachment": {"name": "a.txt", "data_url": data_url(b"hello", "text/plain")}},
            "validation",
        ),
        (
            {"attachment": {"name": "fake.png", "data_url": "data:image/png;base64,!!!"}},
            "validation",
        ),
        ({"attachment": {"data_url": data_url(PNG_1PX + b"0" * 262_144)}}, "payload-too-large"),
    ],
    ids=["too-long", "blank", "not-text", "not-an-image", "bad-base64", "oversize-image"],
)
async def test_bad_messages_are_refused_and_not_delivered(
    server: RunningServer, http: aiohttp.ClientSession, payload: dict[str, Any], code: str
) -> None:
    cid, customer, agent = await chat_pair(http, server)
    try:
        ack = await customer.call("message", {"conversation_id": cid, **payload})
        assert ack["ok"] is False and ack["error"]["code"] == code, ack
        ok = await customer.call("message", {"conversation_id": cid, "text": "fine"})
        assert ok["message"]["seq"] == 1  # nothing was stored before it
        assert (await agent.next("message"))["text"] == "fine"
    finally:
        await customer.close()
        await agent.close()


async def test_image_attachment_is_delivered_with_its_sniffed_type(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, customer, agent = await chat_pair(http, server)
    try:
        sent = {"name": "shot.png", "data_url": data_url(PNG_1PX, "image/gif")}
        await customer.call("message", {"conversation_id": cid, "attachment": sent})
        got = (await agent.next("message"))["attachment"]
        assert got["content_type"] == "image/png" and got["size"] == len(PNG_1PX)
        assert got["data_url"].startswith("data:image/png;base64,")
    finally:
        await customer.close()
        await agent.close()


async def test_markup_is_stored_as_text(server: RunningServer, http: aiohttp.ClientSession) -> None:
    cid, customer, agent = await chat_pair(http, server)
    try:
        evil = '<img src=x onerror="alert(1)">'
        await customer.call("message", {"conversation_id": cid, "text": evil})
        assert (await agent.next("message"))["text"] == evil
    finally:
        await customer.close()
        await agent.close()


async def test_strangers_cannot_join_and_observers_cannot_write(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    conv = await start_conversation(http, server)
    other = await start_conversation(http, server)
    cid = conv["conversation_id"]
    intruder = await SioPeer("/chat").connect(server.url, other["token"])
    bruno = await SioPeer("/chat").connect(
        server.url, await login(http, server, "bruno@demo.coview")
    )
    sofia = await SioPeer("/chat").connect(
        server.url, await login(http, server, "sofia@demo.coview")
    )
    try:
        assert (await intruder.call("join", {"conversation_id": cid}))["error"][
            "code"
        ] == "forbidden"
        assert (await bruno.call("join", {"conversation_id": cid}))["error"]["code"] == "forbidden"
        ack = await sofia.call("join", {"conversation_id": cid})
        assert ack["self"]["kind"] == "observer"
        ack = await sofia.call("message", {"conversation_id": cid, "text": "hi"})
        assert ack["error"]["code"] == "forbidden"
        ack = await intruder.call("message", {"conversation_id": cid, "text": "hi"})
        assert ack["error"]["code"] == "conflict"
        assert (await intruder.call("join", {"conversation_id": "nope"}))["error"][
            "code"
        ] == "not-found"
    finally:
        for peer in (intruder, bruno, sofia):
            await peer.close()


async def test_rest_history_and_post(server: RunningServer, http: aiohttp.ClientSession) -> None:
    conv = await start_conversation(http, server, {"cart": {"total": 10}})
    cid, url = conv["conversation_id"], f"{server.url}/api/conversations/{conv['conversation_id']}"
    async with http.post(
        f"{url}/messages", json={"text": "hola", "client_id": "k1"}, headers=bearer(conv["token"])
    ) as r:
        assert r.status == 201
        first = await r.json()
    async with http.post(
        f"{url}/messages", json={"text": "hola", "client_id": "k1"}, headers=bearer(conv["token"])
    ) as r:
        assert (await r.json())["seq"] == first["seq"]  # a retry is not a duplicate
    async with http.get(f"{url}/messages?after_seq=0", headers=bearer(conv["token"])) as r:
        body = await r.json()
    first = body["messages"][0]
    assert (first["sender"], first["text"]) == ("customer", "hola")
    assert body["messages"][1]["sender"] == "bot"  # the bot answers a new conversation
    assert body["conversation"]["id"] == cid and body["conversation"]["context"] == {
        "cart": {"total": 10}
    }
    async with http.get(f"{url}/messages?after_seq=-1", headers=bearer(conv["token"])) as r:
        await problem(r, 422)
    async with http.get(f"{url}/messages") as r:
        await problem(r, 401)
    async with http.get(
        f"{server.url}/api/conversations/nope/messages", headers=bearer(conv["token"])
    ) as r:
        await problem(r, 404)


async def test_conversation_needs_a_site_key_from_an_allowed_origin(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{server.url}/api/conversations", json={}) as r:
        await problem(r, 401)
    async with http.post(
        f"{server.url}/api/conversations",
        json={},
        headers={
            "X-Coview-Site-Key": server.config.demo_site_key,
            "Origin": "https://evil.example",
        },
    ) as r:
        await problem(r, 403)
    async with http.post(
        f"{server.url}/api/conversations",
        json={"language": "english"},
        headers={"X-Coview-Site-Key": server.config.demo_site_key},
    ) as r:
        await problem(r, 422)


async def test_customer_and_agent_on_different_nodes_chat(
    two_nodes: tuple[RunningServer, RunningServer], http: aiohttp.ClientSession
) -> None:
    a, b = two_nodes
    conv = await start_conversation(http, a)
    cid = conv["conversation_id"]
    await assign(a, cid)
    customer = await SioPeer("/chat").connect(a.url, conv["token"])
    agent = await SioPeer("/chat").connect(b.url, await login(http, b))
    try:
        await customer.call("join", {"conversation_id": cid})
        await agent.call("join", {"conversation_id": cid})
        await customer.call("message", {"conversation_id": cid, "text": "olá"})
        assert (await agent.next("message"))["text"] == "olá"
        await agent.call("message", {"conversation_id": cid, "text": "oi!"})
        assert (await customer.next("message"))["seq"] == 2
    finally:
        await customer.close()
        await agent.close()
