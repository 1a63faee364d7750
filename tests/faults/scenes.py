"""Set-ups several fault tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.faults.clients import CallClient
from tests.faults.cluster import Node
from tests.support.api import bearer, login
from tests.support.escalations import API_KEY, EMAILS, act, body, set_presence


async def create(http: aiohttp.ClientSession, url: str, **fields: Any) -> dict[str, Any]:
    """A bot's escalation request (video, the demo customer's context) through ``url``."""
    async with http.post(
        f"{url}/api/escalations", json=body(**fields), headers=bearer(API_KEY)
    ) as r:
        assert r.status == 201, await r.text()
        created: dict[str, Any] = await r.json()
        return created


@dataclass
class Call:
    escalation: dict[str, Any]
    agent_token: str
    customer_token: str
    agent: CallClient
    customer: CallClient

    async def close(self) -> None:
        await self.agent.close()
        await self.customer.close()


async def call_in_progress(
    http: aiohttp.ClientSession, node: Node, agent_url: str, customer_url: str
) -> Call:
    """Ana accepts a new escalation on ``node``; she and the customer are in its call,
    each connected through their own URL (a node, or a proxy in front of them)."""
    ana = await login(http, node, EMAILS["ana"])
    await set_presence(http, node, ana, "available")
    created = await create(http, node.url)
    esc = created["escalation"]
    assert (await act(http, node, esc["id"], "accept", ana)).status == 200
    token = created["customer"]["token"]
    agent = await CallClient(agent_url, ana, esc["session_id"]).connect()
    customer = await CallClient(customer_url, token, esc["session_id"]).connect()
    await agent.joined()
    await customer.joined()
    return Call(esc, ana, token, agent, customer)
