"""Helpers for escalation service tests: a fast-timeout server and API shortcuts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.api import bearer, login
from tests.support.harness import RunningServer, Served, make_config, running_server
from tests.support.sio import SioPeer

API_KEY = "cvk_demo_integration_key_change_me"
SITE_KEY = "demo-site-key"
EMAILS = {
    "ana": "ana@demo.coview",
    "bruno": "bruno@demo.coview",
    "carla": "carla@demo.coview",
    "sofia": "sofia@demo.coview",
}

FAST = {
    "deadline_poll_s": 0.02,
    "queue_broadcast_s": 0.02,
    "sse_poll_s": 0.2,
    "agent_cache_s": 0.0,
}


@contextlib.asynccontextmanager
async def escalation_server(tmp_path: Path, **overrides: Any) -> AsyncIterator[RunningServer]:
    async with running_server(make_config(tmp_path, **{**FAST, **overrides})) as server:
        yield server


def api_key() -> dict[str, str]:
    return bearer(API_KEY)


def body(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "trigger": "bot",
        "channel": "chat",
        "modalities": ["video"],
        "context": {
            "transcript": [
                {"role": "customer", "text": "no puedo pagar"},
                {"role": "bot", "text": "Te paso con una persona"},
            ],
            "page": {"url": "https://shop.example/checkout", "title": "Checkout"},
            "cart": {"items": [{"name": "Shoes", "quantity": 1, "price": 59.9}], "total": 59.9},
            "customer": {"id": "cust-1", "name": "Lucía", "tier": "premium", "language": "es"},
            "bot": {"intent": "payment_problem", "confidence": 0.92},
            "attributes": {"order": "A-1001"},
        },
    }
    values.update(fields)
    return values


async def create(
    http: aiohttp.ClientSession,
    server: RunningServer,
    payload: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    async with http.post(
        f"{server.url}/api/escalations",
        json=payload if payload is not None else body(),
        headers=headers if headers is not None else api_key(),
    ) as r:
        assert r.status == 201, await r.text()
        data: dict[str, Any] = await r.json()
        return data


async def agent_token(http: aiohttp.ClientSession, server: RunningServer, who: str) -> str:
    return await login(http, server, EMAILS[who])


async def set_presence(
    http: aiohttp.ClientSession, server: Served, token: str, status: str
) -> None:
    async with http.put(
        f"{server.url}/api/agents/me/presence", json={"status": status}, headers=bearer(token)
    ) as r:
        assert r.status == 200, await r.text()


async def console(
    http: aiohttp.ClientSession, server: RunningServer, who: str, available: bool = True
) -> tuple[str, SioPeer]:
    """An agent logged in, connected to /agent, and (by default) available."""
    token = await agent_token(http, server, who)
    feed = await SioPeer("/agent").connect(server.url, token)
    if available:
        await set_presence(http, server, token, "available")
    return token, feed


async def act(
    http: aiohttp.ClientSession,
    server: Served,
    esc_id: str,
    action: str,
    token: str,
    payload: dict[str, Any] | None = None,
) -> aiohttp.ClientResponse:
    """POST an action; the caller reads the response (body already loaded)."""
    async with http.post(
        f"{server.url}/api/escalations/{esc_id}/{action}",
        json=payload if payload is not None else {},
        headers=bearer(token),
    ) as r:
        await r.read()
        return r


async def get(
    http: aiohttp.ClientSession, server: RunningServer, esc_id: str, token: str
) -> dict[str, Any]:
    async with http.get(f"{server.url}/api/escalations/{esc_id}", headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
        data: dict[str, Any] = await r.json()
        return data


async def events(
    http: aiohttp.ClientSession, server: RunningServer, esc_id: str, token: str
) -> list[dict[str, Any]]:
    async with http.get(
        f"{server.url}/api/escalations/{esc_id}/events", headers=bearer(token)
    ) as r:
        assert r.status == 200, await r.text()
        found: list[dict[str, Any]] = (await r.json())["events"]
        return found


async def event_types(
    http: aiohttp.ClientSession, server: RunningServer, esc_id: str, token: str
) -> list[str]:
    return [e["type"] for e in await events(http, server, esc_id, token)]
