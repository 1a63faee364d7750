"""Bot first, then a person, then visual: the chat's whole path over real HTTP and Socket.IO."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login
from tests.support.chat_helpers import start_conversation
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def available_agent(http: aiohttp.ClientSession, server: RunningServer, email: str) -> str:
    token = await login(http, server, email)
    async with http.put(
        f"{server.url}/api/agents/me/presence", json={"status": "available"}, headers=bearer(token)
    ) as r:
        assert r.status == 200
    return token


async def next_system(peer: SioPeer, event: str) -> dict[str, Any]:
    """The next system message of kind ``event`` (skipping other messages)."""
    while True:
        message: dict[str, Any] = await peer.next("message")
        if message["sender"] == "system" and message.get("event") == event:
            return message


async def customer_says(peer: SioPeer, cid: str, text: str) -> None:
    ack = await peer.call("message", {"conversation_id": cid, "text": text})
    assert ack["ok"], ack


@pytest.mark.parametrize(
    ("lang", "text", "reply_word"),
    [
        ("es", "Hola, quiero hablar con alguien por favor", "persona de nuestro equipo"),
        ("en", "Hi, I want to talk to someone please", "person from our team"),
        ("pt", "Olá, quero falar com alguém por favor", "pessoa"),
    ],
)
async def test_bot_hands_off_to_an_agent_who_joins_by_name(
    server: RunningServer, http: aiohttp.ClientSession, lang: str, text: str, reply_word: str
) -> None:
    agent_token = await available_agent(http, server, "ana@demo.coview")
    feed = await SioPeer("/agent").connect(server.url, agent_token)
    conv = await start_conversation(
        http,
        server,
        {
            "page": {"url": "/demo/checkout", "title": "Checkout"},
            "cart": {"items": [{"name": "Lamp", "quantity": 1, "price": 40}], "total": 40},
            "customer": {"name": "Lucía", "tier": "premium"},
        },
    )
    cid = conv["conversation_id"]
    customer = await SioPeer("/chat").connect(server.url, conv["token"])
    try:
        await customer.call("join", {"conversation_id": cid})
        await customer_says(customer, cid, text)
        bot = await customer.next("message")
        assert bot["sender"] == "bot" and reply_word in bot["text"].lower()
        await next_system(customer, "handoff")
        offer = await feed.next("offer")
        esc = offer["escalation"]
        assert (
            esc["conversation_id"] == cid and esc["trigger"] == "bot" and esc["channel"] == "chat"
        )
        assert esc["context"]["transcript"][0] == {
            "role": "customer",
            "text": text,
            "at": esc["context"]["transcript"][0]["at"],
        }
        assert esc["context"]["transcript"][1]["role"] == "bot"
        assert esc["context"]["bot"]["intent"] and esc["context"]["bot"]["confidence"] > 0.5
        assert (
            esc["context"]["cart"]["total"] == 40
            and esc["context"]["page"]["url"] == "/demo/checkout"
        )
        assert esc["language"] == lang
        assert esc["session_id"] == conv["session_id"]  # the chat's session carries on
        async with http.post(
            f"{server.url}/api/escalations/{esc['id']}/accept", json={}, headers=bearer(agent_token)
        ) as r:
            assert r.status == 200, await r.text()
        joined = await next_system(customer, "agent_joined")
        assert joined["data"]["name"] == "Ana Souza"
        agent = await SioPeer("/chat").connect(server.url, agent_token)
        try:
            ack = await agent.call("join", {"conversation_id": cid})
            assert ack["self"]["kind"] == "agent"
            await agent.call("message", {"conversation_id": cid, "text": "¡Hola Lucía!"})
            while (m := await customer.next("message"))["sender"] != "agent":
                pass
            assert m["text"] == "¡Hola Lucía!" and m["sender_name"] == "Ana Souza"
        finally:
            await agent.close()
    finally:
        await customer.close()
        await feed.close()


async def test_bot_hands_off_after_answers_it_could_not_give(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    conv = await start_conversation(http, server)
    cid = conv["conversation_id"]
    customer = await SioPeer("/chat").connect(server.url, conv["token"])
    try:
        await customer.call("join", {"conversation_id": cid})
        await customer_says(customer, cid, "xyzzy plugh")
        first = await customer.next("message")
        assert first["sender"] == "bot"
        await customer_says(customer, cid, "qwerty asdf")
        await next_system(customer, "handoff")
        stored = await server.app[STORE].get_conversation(cid)
        assert stored is not None and stored.state == "waiting" and stored.escalation_id
    finally:
        await customer.close()


async def accepted_chat(
    server: RunningServer, http: aiohttp.ClientSession
) -> tuple[str, str, SioPeer, SioPeer, str]:
    """A conversation the customer asked a person for, accepted by Ana; both joined."""
    agent_token = await available_agent(http, server, "ana@demo.coview")
    conv = await start_conversation(http, server)
    cid = conv["conversation_id"]
    customer = await SioPeer("/chat").connect(server.url, conv["token"])
    await customer.call("join", {"conversation_id": cid})
    ack = await customer.call("request-agent", {"conversation_id": cid})
    esc_id = ack["escalation_id"]
    async with http.post(
        f"{server.url}/api/escalations/{esc_id}/accept", json={}, headers=bearer(agent_token)
    ) as r:
        assert r.status == 200, await r.text()
    await next_system(customer, "agent_joined")
    agent = await SioPeer("/chat").connect(server.url, agent_token)
    await agent.call("join", {"conversation_id": cid})
    return cid, esc_id, customer, agent, agent_token


async def test_agent_offers_video_and_the_customer_accepts_in_place(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, esc_id, customer, agent, token = await accepted_chat(server, http)
    try:
        offer = await agent.call("offer-upgrade", {"conversation_id": cid, "modality": "video"})
        card = await next_system(customer, "upgrade_offer")
        assert card["data"] == {
            "offer_id": offer["offer_id"],
            "modality": "video",
            "name": "Ana Souza",
        }
        ack = await customer.call(
            "upgrade-response",
            {"conversation_id": cid, "offer_id": offer["offer_id"], "accept": True},
        )
        assert ack["ok"], ack
        started = await next_system(customer, "upgrade_accepted")
        assert started["data"]["modality"] == "video"
        async with http.get(f"{server.url}/api/escalations/{esc_id}", headers=bearer(token)) as r:
            esc = await r.json()
        assert esc["modalities"] == ["chat", "video"]
        async with http.get(
            f"{server.url}/api/escalations/{esc_id}/events", headers=bearer(token)
        ) as r:
            events = await r.json()
        upgraded = (
            [e for e in events["events"] if e["type"] == "upgraded"]
            if isinstance(events, dict)
            else [e for e in events if e["type"] == "upgraded"]
        )
        assert upgraded and upgraded[0]["data"]["trigger"] == "agent"
        again = await customer.call(
            "upgrade-response",
            {"conversation_id": cid, "offer_id": offer["offer_id"], "accept": True},
        )
        assert again["error"]["code"] == "not-found"  # an offer is answered once
    finally:
        await customer.close()
        await agent.close()


async def test_customer_asks_to_be_shown_and_declines_then_accepts(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, esc_id, customer, agent, token = await accepted_chat(server, http)
    try:
        await customer.call("upgrade-request", {"conversation_id": cid, "modality": "cobrowse"})
        asked = await next_system(agent, "upgrade_requested")
        assert asked["data"]["modality"] == "cobrowse"
        first = await agent.call("offer-upgrade", {"conversation_id": cid, "modality": "screen"})
        await customer.call(
            "upgrade-response",
            {"conversation_id": cid, "offer_id": first["offer_id"], "accept": False},
        )
        await next_system(agent, "upgrade_declined")
        second = await agent.call("offer-upgrade", {"conversation_id": cid, "modality": "cobrowse"})
        await customer.call(
            "upgrade-response",
            {"conversation_id": cid, "offer_id": second["offer_id"], "accept": True},
        )
        await next_system(agent, "upgrade_accepted")
        async with http.get(
            f"{server.url}/api/escalations/{esc_id}/events", headers=bearer(token)
        ) as r:
            body = await r.json()
        events = body["events"] if isinstance(body, dict) else body
        upgraded = [e["data"] for e in events if e["type"] == "upgraded"]
        assert upgraded == [{**upgraded[0], "added": ["cobrowse"], "trigger": "customer"}]
    finally:
        await customer.close()
        await agent.close()


async def test_only_the_right_side_may_offer_or_answer(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    cid, _esc, customer, agent, _token = await accepted_chat(server, http)
    try:
        ack = await customer.call("offer-upgrade", {"conversation_id": cid, "modality": "video"})
        assert ack["error"]["code"] == "forbidden"
        ack = await agent.call(
            "upgrade-response", {"conversation_id": cid, "offer_id": "x", "accept": True}
        )
        assert ack["error"]["code"] == "forbidden"
        ack = await agent.call("offer-upgrade", {"conversation_id": cid, "modality": "hologram"})
        assert ack["error"]["code"] == "validation"
    finally:
        await customer.close()
        await agent.close()


async def test_two_quick_requests_for_a_person_queue_one_escalation(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    conv = await start_conversation(http, server)
    cid = conv["conversation_id"]
    customer = await SioPeer("/chat").connect(server.url, conv["token"])
    try:
        await customer.call("join", {"conversation_id": cid})
        acks = await asyncio.gather(
            customer.call("request-agent", {"conversation_id": cid}),
            customer.call("request-agent", {"conversation_id": cid}),
            customer.call("message", {"conversation_id": cid, "text": "quiero hablar con alguien"}),
        )
        assert all(a["ok"] for a in acks), acks
    finally:
        await customer.close()
    found = await server.app[STORE].list_escalations("demo", limit=10)
    assert [e.conversation_id for e in found] == [cid]


async def test_requests_for_a_person_on_two_nodes_queue_one_escalation_each(
    two_nodes: tuple[RunningServer, RunningServer], http: aiohttp.ClientSession
) -> None:
    """The customer's socket on one node, the tenant's bot on the other, both at once."""
    a, b = two_nodes
    convs = [await start_conversation(http, a) for _ in range(8)]
    customers = [await SioPeer("/chat").connect(a.url, c["token"]) for c in convs]
    try:
        for peer, conv in zip(customers, convs, strict=True):
            await peer.call("join", {"conversation_id": conv["conversation_id"]})

        async def bot_hands_off(conversation_id: str) -> int:
            async with http.post(
                f"{b.url}/api/conversations/{conversation_id}/bot-reply",
                json={"handoff": True},
                headers=bearer(a.config.demo_api_key),
            ) as r:
                return r.status

        results = await asyncio.gather(
            *(
                p.call("request-agent", {"conversation_id": c["conversation_id"]})
                for p, c in zip(customers, convs, strict=True)
            ),
            *(bot_hands_off(c["conversation_id"]) for c in convs),
        )
        assert all(r == 200 or (isinstance(r, dict) and r["ok"]) or r == 409 for r in results)
    finally:
        for peer in customers:
            await peer.close()
    found = await b.app[STORE].list_escalations("demo", limit=100)
    assert sorted(str(e.conversation_id) for e in found) == sorted(
        c["conversation_id"] for c in convs
    )
