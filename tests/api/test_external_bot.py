"""A tenant's own bot: signed webhook out, reply API in, and a person when it is silent."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.platform import signing as webhook_signing
from server.platform.keys import STORE
from store.models import utcnow
from tests.api.test_chat_handoff import next_system
from tests.support.api import bearer, login, problem
from tests.support.chat_helpers import start_conversation
from tests.support.harness import RunningServer, free_port, make_config, running_server
from tests.support.sio import SioPeer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def receiver(handler: Handler) -> AsyncIterator[str]:
    """A bot endpoint on loopback."""
    app = web.Application()
    app.router.add_post("/bot", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


async def configure(
    server: RunningServer, http: aiohttp.ClientSession, url: str, timeout_s: float = 5
) -> dict[str, Any]:
    token = await login(http, server, server.config.admin_email, server.config.admin_password)
    body = {"enabled": True, "url": url, "timeout_s": timeout_s, "name": "Lojabot"}
    async with http.put(
        f"{server.url}/api/admin/external-bot", json=body, headers=bearer(token)
    ) as r:
        assert r.status == 200, await r.text()
        config: dict[str, Any] = await r.json()
        return config


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_external_bot_gets_signed_messages_and_answers_through_the_reply_api(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    secret: dict[str, str] = {}

    async def bot(request: web.Request) -> web.Response:
        body = await request.text()
        h = request.headers
        assert webhook_signing.verify(
            secret["value"], h["webhook-id"], h["webhook-timestamp"], body, h["webhook-signature"]
        )
        payload = await request.json()
        await received.put(payload)
        async with http.post(
            payload["reply_url"],
            json={"text": "Olá! Posso ajudar com o pedido."},
            headers=bearer(server.config.demo_api_key),
        ) as r:
            assert r.status == 200, await r.text()
        return web.json_response({"ok": True})

    async with receiver(bot) as url:
        secret["value"] = (await configure(server, http, url))["secret"]
        conv = await start_conversation(http, server, language="pt")
        customer = await SioPeer("/chat").connect(server.url, conv["token"])
        try:
            await customer.call("join", {"conversation_id": conv["conversation_id"]})
            await customer.call(
                "message", {"conversation_id": conv["conversation_id"], "text": "cadê meu pedido?"}
            )
            payload = await asyncio.wait_for(received.get(), 5)
            assert payload["message"]["text"] == "cadê meu pedido?" and payload["language"] == "pt"
            reply = await customer.next("message")
            assert reply == {
                **reply,
                "sender": "bot",
                "sender_name": "Lojabot",
                "text": "Olá! Posso ajudar com o pedido.",
            }
        finally:
            await customer.close()
    stored = await server.app[STORE].get_conversation(conv["conversation_id"])
    assert stored is not None and stored.state == "bot"


@pytest.mark.parametrize(("status", "reason"), [(200, "bot_timeout"), (500, "bot_failed")])
async def test_silent_or_failing_bot_falls_back_to_a_person(
    server: RunningServer, http: aiohttp.ClientSession, status: int, reason: str
) -> None:
    async def bot(request: web.Request) -> web.Response:
        return web.json_response({}, status=status)

    async with receiver(bot) as url:
        await configure(server, http, url, timeout_s=0.3)
        conv = await start_conversation(http, server)
        customer = await SioPeer("/chat").connect(server.url, conv["token"])
        try:
            await customer.call("join", {"conversation_id": conv["conversation_id"]})
            await customer.call(
                "message", {"conversation_id": conv["conversation_id"], "text": "hola"}
            )
            handoff = await next_system(customer, "handoff")
            assert handoff["data"]["reason"] == reason
        finally:
            await customer.close()
    stored = await server.app[STORE].get_conversation(conv["conversation_id"])
    assert stored is not None and stored.state == "waiting" and stored.escalation_id
    esc = await server.app[STORE].get_escalation(stored.escalation_id)
    assert esc is not None and esc.trigger == "bot" and esc.context.bot is not None
    assert esc.context.bot.name == "Lojabot"


async def test_bot_hands_off_with_its_intent_and_cannot_answer_after(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async def bot(request: web.Request) -> web.Response:
        return web.json_response({})

    async with receiver(bot) as url:
        await configure(server, http, url)
        conv = await start_conversation(http, server)
        reply_url = f"{server.url}/api/conversations/{conv['conversation_id']}/bot-reply"
        body = {
            "text": "Te paso con una persona",
            "handoff": True,
            "intent": "refund",
            "confidence": 0.91,
            "modalities": ["video"],
        }
        async with http.post(reply_url, json=body, headers=bearer(server.config.demo_api_key)) as r:
            assert r.status == 200, await r.text()
            assert (await r.json())["conversation"]["state"] == "waiting"
        stored = await server.app[STORE].get_conversation(conv["conversation_id"])
        assert stored is not None and stored.escalation_id
        esc = await server.app[STORE].get_escalation(stored.escalation_id)
        assert esc is not None and esc.modalities == ["chat", "video"]
        assert esc.context.bot is not None and esc.context.bot.intent == "refund"
        async with http.post(
            reply_url, json={"text": "late"}, headers=bearer(server.config.demo_api_key)
        ) as r:
            await problem(r, 409)
        async with http.post(reply_url, json={"text": "x"}, headers=bearer(conv["token"])) as r:
            await problem(r, 403)


async def test_external_bot_settings_are_validated_and_admin_only(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, server, server.config.admin_email, server.config.admin_password)
    agent = await login(http, server)
    url = f"{server.url}/api/admin/external-bot"
    async with http.get(url, headers=bearer(admin)) as r:
        await problem(r, 404)
    async with http.put(
        url, json={"enabled": True, "url": "ftp://bot.example/x"}, headers=bearer(admin)
    ) as r:
        data = await problem(r, 422)
        assert data["errors"][0]["field"] == "url"
    async with http.put(
        url,
        json={"enabled": True, "url": "http://127.0.0.1:9/x", "timeout_s": 0},
        headers=bearer(admin),
    ) as r:
        await problem(r, 422)
    async with http.put(
        url, json={"enabled": True, "url": "http://127.0.0.1:9/x"}, headers=bearer(agent)
    ) as r:
        await problem(r, 403)
    assert await server.app[STORE].get_setting("demo", "external_bot") is None


async def test_a_reply_through_another_node_ends_the_wait_on_every_node(
    two_nodes: tuple[RunningServer, RunningServer], http: aiohttp.ClientSession
) -> None:
    """The wait is kept in the store: the node that sent the message does not hand the
    conversation to a person when the bot answered through the other node."""
    a, b = two_nodes

    async def bot(request: web.Request) -> web.Response:
        payload = await request.json()
        reply_url = payload["reply_url"].replace(a.url, b.url)  # the balancer chose B
        async with http.post(
            reply_url, json={"text": "Un momento"}, headers=bearer(a.config.demo_api_key)
        ) as r:
            assert r.status == 200, await r.text()
        return web.json_response({})

    async with receiver(bot) as url:
        await configure(a, http, url, timeout_s=0.5)
        conv = await start_conversation(http, a)
        cid = conv["conversation_id"]
        customer = await SioPeer("/chat").connect(a.url, conv["token"])
        try:
            await customer.call("join", {"conversation_id": cid})
            await customer.call("message", {"conversation_id": cid, "text": "hola"})
            while (await customer.next("message"))["sender"] != "bot":
                pass
            # past the bot's 0.5 s and two deadline polls: no node hands it over
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(next_system(customer, "handoff"), 0.5 + 0.5)
        finally:
            await customer.close()
    assert await a.app[STORE].get_deadlines(cid) == {}
    later = utcnow() + timedelta(seconds=60)  # nothing is left for any node to act on
    assert await b.app[STORE].claim_deadlines(later, lease_s=1) == []
    stored = await a.app[STORE].get_conversation(cid)
    assert stored is not None and stored.state == "bot" and stored.escalation_id is None


async def test_when_the_sending_node_dies_the_other_hands_a_silent_bot_over(
    tmp_path: Path, redis_url: str, http: aiohttp.ClientSession
) -> None:
    prefix = f"coview-test-{secrets.token_hex(4)}:"
    common = {"store": "redis", "redis_url": redis_url, "redis_prefix": prefix}

    async def bot(request: web.Request) -> web.Response:
        return web.json_response({})  # accepted, never answered

    async with (
        receiver(bot) as url,
        running_server(make_config(tmp_path / "b", **common, seed_demo=False)) as b,
    ):
        async with running_server(make_config(tmp_path / "a", **common)) as a:
            await configure(a, http, url, timeout_s=0.5)
            conv = await start_conversation(http, a)
            cid = conv["conversation_id"]
            customer = await SioPeer("/chat").connect(a.url, conv["token"])
            await customer.call("join", {"conversation_id": cid})
            await customer.call("message", {"conversation_id": cid, "text": "hola"})
            await customer.close()
        # node A is gone before the bot's time ran out; the customer reconnects to B
        again = await SioPeer("/chat").connect(b.url, conv["token"])
        try:
            await again.call("join", {"conversation_id": cid})
            handoff = await next_system(again, "handoff")
            assert handoff["data"]["reason"] == "bot_timeout"
        finally:
            await again.close()
        stored = await b.app[STORE].get_conversation(cid)
        assert stored is not None and stored.state == "waiting" and stored.escalation_id
