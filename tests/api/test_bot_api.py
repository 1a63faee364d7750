"""POST /api/bot/messages (the built-in bot) and POST /api/bot/handoff, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer

API_KEY = bearer("cvk_demo_integration_key_change_me")
SITE = {"X-Coview-Site-Key": "demo-site-key"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def say(
    http: aiohttp.ClientSession,
    server: RunningServer,
    conversation: str,
    text: str,
    headers: dict[str, str] = API_KEY,
    **extra: Any,
) -> dict[str, Any]:
    async with http.post(
        f"{server.url}/api/bot/messages",
        json={"conversation_id": conversation, "text": text, **extra},
        headers=headers,
    ) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def test_spanish_customer_asking_for_a_person_is_escalated_with_the_transcript(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    first = await say(http, server, "conv-es", "Hola, buenos días")
    assert (first["language"], first["intent"]) == ("es", "greeting")
    assert first["reply"].startswith("¡Hola!") and "escalation" not in first
    second = await say(http, server, "conv-es", "quiero hablar con alguien")
    assert second["intent"] == "human" and second["confidence"] >= 0.75
    esc = second["escalation"]
    assert (esc["trigger"], esc["channel"], esc["state"]) == ("bot", "chat", "queued")
    assert esc["modalities"] == ["chat", "video"] and esc["language"] == "es"
    assert esc["conversation_id"] == "conv-es"
    assert esc["context"]["bot"]["intent"] == "human"
    lines = [(t["role"], t["text"]) for t in esc["context"]["transcript"]]
    assert lines[0] == ("customer", "Hola, buenos días")
    assert lines[2] == ("customer", "quiero hablar con alguien")
    assert lines[3][0] == "bot" and lines[3][1] == second["reply"]
    assert second["customer"]["token"] and second["customer"]["short_code"].isdigit()
    again = await say(http, server, "conv-es", "¿sigues ahí?")
    assert "escalation" not in again and again["reply"].startswith("Una persona")


async def test_english_customer_escalates_after_two_answers_the_bot_did_not_understand(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    first = await say(http, server, "conv-en", "the blue widget thing is weird", language="en")
    assert first["intent"] == "unknown" and "escalation" not in first
    second = await say(http, server, "conv-en", "it keeps flickering", language="en")
    assert second["escalation"]["context"]["attributes"]["bot_reason"] == "failed_answers"
    conversation = await server.app[STORE].get_bot_conversation("conv-en")
    assert conversation is not None and conversation.escalation_id == second["escalation"]["id"]
    assert len(conversation.transcript) == 4


async def test_portuguese_payment_problem_asks_for_cobrowsing_from_the_widget(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    body = await say(
        http,
        server,
        "conv-pt",
        "Olá, não consigo pagar",
        headers=SITE,
        context={"page": {"url": "/demo/checkout", "title": "Checkout"}},
    )
    assert (body["language"], body["intent"]) == ("pt", "payment_problem")
    assert body["reply"].startswith("Sinto muito")
    esc = body["escalation"]
    # The demo's checkout page offers no screen sharing: the bot keeps what the page offers.
    assert (esc["state"], esc["modalities"]) == ("queued", ["video", "cobrowse"])
    assert esc["context"]["page"]["url"] == "/demo/checkout"
    elsewhere = await say(http, server, "conv-pt2", "não consigo pagar", headers=SITE)
    assert elsewhere["escalation"]["modalities"] == ["video", "screen", "cobrowse"]


async def test_escalation_outside_the_rules_ends_ineligible_and_the_bot_offers_a_callback(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    body = await say(
        http,
        server,
        "conv-premium",
        "I want to talk to a person",
        context={"page": {"url": "https://shop.example/demo/premium/tv"}},
    )
    esc = body["escalation"]
    assert (esc["state"], esc["reason"], esc["alternative"]) == (
        "ineligible",
        "tier_not_eligible",
        "callback",
    )
    assert "call you back" in body["reply"]
    conversation = await server.app[STORE].get_bot_conversation("conv-premium")
    assert conversation is not None and conversation.escalation_id is None


async def test_bot_messages_refuse_bad_input_and_wrong_callers(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    url = f"{server.url}/api/bot/messages"
    for bad in (
        {"text": "hola"},
        {"conversation_id": "c", "text": ""},
        {"conversation_id": "c", "text": "hi", "language": "fr"},
        {"conversation_id": "c", "text": "hi", "extra": 1},
        {"conversation_id": "c", "text": "x" * 2001},
    ):
        async with http.post(url, json=bad, headers=API_KEY) as r:
            await problem(r, 422)
    async with http.post(url, data=b"{oops", headers=API_KEY) as r:
        await problem(r, 400)
    async with http.post(url, json={"conversation_id": "c", "text": "hi"}) as r:
        await problem(r, 401)
    agent = await login(http, server)
    async with http.post(
        url, json={"conversation_id": "c", "text": "hi"}, headers=bearer(agent)
    ) as r:
        await problem(r, 403)
    assert await server.app[STORE].get_bot_conversation("c") is None


async def test_external_bot_hands_off_with_transcript_intent_and_confidence(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    payload = {
        "conversation_id": "ext-1",
        "transcript": [
            {"role": "customer", "text": "my router blinks red"},
            {"role": "bot", "text": "Have you tried restarting it?"},
        ],
        "intent": "router_support",
        "confidence": 0.42,
        "bot_name": "Acme bot",
        "modalities": ["video", "screen"],
        "language": "en",
        "context": {"customer": {"id": "cust-9", "tier": "gold"}},
    }
    async with http.post(f"{server.url}/api/bot/handoff", json=payload, headers=API_KEY) as r:
        assert r.status == 201, await r.text()
        body = await r.json()
    esc = body["escalation"]
    assert (esc["trigger"], esc["state"], esc["modalities"]) == (
        "bot",
        "queued",
        ["video", "screen"],
    )
    assert esc["context"]["bot"] == {
        "intent": "router_support",
        "confidence": 0.42,
        "name": "Acme bot",
    }
    assert esc["context"]["transcript"][0]["text"] == "my router blinks red"
    assert esc["customer_id"] == "cust-9" and body["customer"]["token"]


async def test_handoff_errors(server: RunningServer, http: aiohttp.ClientSession) -> None:
    url = f"{server.url}/api/bot/handoff"
    async with http.post(url, json={"confidence": 2}, headers=API_KEY) as r:
        await problem(r, 422)
    async with http.post(url, json={}, headers=SITE) as r:
        await problem(r, 403)
    huge = {"transcript": [{"role": "customer", "text": "x" * 8000}] * 5}
    async with http.post(url, json=huge, headers=API_KEY) as r:
        await problem(r, 413)


async def test_handoff_with_invalid_skills_is_a_validation_error(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{server.url}/api/bot/handoff", json={"skills": [""]}, headers=API_KEY
    ) as r:
        body = await problem(r, 422)
    assert body["errors"][0]["field"] == "skills"


async def test_concurrent_messages_of_one_conversation_escalate_it_once(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    replies = await asyncio.gather(
        *(say(http, server, "conv-race", text) for text in ("video call please",) * 5)
    )
    escalated = [r for r in replies if "escalation" in r]
    assert len(escalated) == 1
    assert all(
        r["reply"] == "A person from our team will be with you shortly."
        for r in replies
        if "escalation" not in r
    )
    waiting = await server.app[STORE].list_escalations("demo", states=["queued"])
    assert [e.conversation_id for e in waiting].count("conv-race") == 1


async def test_after_the_escalation_ends_the_bot_talks_and_may_escalate_again(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    first = await say(http, server, "conv-again", "I want to talk to a person")
    esc_id = first["escalation"]["id"]
    async with http.post(
        f"{server.url}/api/escalations/{esc_id}/cancel", json={}, headers=API_KEY
    ) as r:
        assert r.status == 200, await r.text()
    hello = await say(http, server, "conv-again", "hello")
    assert hello["intent"] == "greeting" and hello["reply"].startswith("Hello!")
    second = await say(http, server, "conv-again", "a video call please")
    assert second["escalation"]["id"] != esc_id
