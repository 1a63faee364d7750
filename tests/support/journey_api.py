"""Driving escalations through the real API, for tests that need history (KPIs)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.support.api import bearer, login
from tests.support.harness import RunningServer


async def set_presence(
    http: aiohttp.ClientSession, server: RunningServer, token: str, status: str
) -> None:
    async with http.put(
        f"{server.url}/api/agents/me/presence", json={"status": status}, headers=bearer(token)
    ) as r:
        assert r.status == 200, await r.text()


async def customer_escalation(
    http: aiohttp.ClientSession, server: RunningServer, modalities: list[str], name: str = "Lucía"
) -> dict[str, Any]:
    body = {
        "modalities": modalities,
        "context": {
            "customer": {"name": name, "tier": "premium"},
            "page": {"url": "/demo/checkout"},
        },
    }
    async with http.post(
        f"{server.url}/api/escalations",
        json=body,
        headers={"X-Coview-Site-Key": server.config.demo_site_key},
    ) as r:
        assert r.status == 201, await r.text()
        created: dict[str, Any] = await r.json()
        return created


async def post(
    http: aiohttp.ClientSession, url: str, token: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    async with http.post(url, json=body or {}, headers=bearer(token)) as r:
        assert r.status in (200, 201), f"{url}: {await r.text()}"
        data: dict[str, Any] = await r.json()
        return data


async def answered_and_rated(
    http: aiohttp.ClientSession,
    server: RunningServer,
    score: int,
    agent_email: str = "ana@demo.coview",
) -> dict[str, Any]:
    """A customer's video escalation that an agent answers, completes, and is rated."""
    agent = await login(http, server, agent_email)
    await set_presence(http, server, agent, "available")
    created = await customer_escalation(http, server, ["video"])
    esc: dict[str, Any] = created["escalation"]
    base = f"{server.url}/api/escalations/{esc['id']}"
    await post(http, f"{base}/accept", agent)
    await post(http, f"{base}/media-connected", agent, {"modality": "video"})
    await post(
        http, f"{base}/wrap_up", agent, {"notes": "showed the product", "disposition": "solved"}
    )
    await post(http, f"{base}/complete", agent)
    await post(
        http,
        f"{base}/csat",
        created["customer"]["token"],
        {"score": score, "comment": "¡Excelente!"},
    )
    return esc


async def abandoned(http: aiohttp.ClientSession, server: RunningServer) -> dict[str, Any]:
    agent = await login(http, server, "ana@demo.coview")
    await set_presence(http, server, agent, "away")
    created = await customer_escalation(http, server, ["video"], name="Pedro")
    await post(
        http,
        f"{server.url}/api/escalations/{created['escalation']['id']}/abandon",
        created["customer"]["token"],
    )
    esc: dict[str, Any] = created["escalation"]
    return esc
