"""The waiting customer sees where they stand in the queue, and their agent's name."""

from __future__ import annotations

import aiohttp

from tests.support.api import bearer, login
from tests.support.harness import RunningServer
from tests.support.journey_api import customer_escalation, post, set_presence


async def test_waiting_customers_see_their_place_and_then_their_agent(
    server: RunningServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        first = await customer_escalation(http, server, ["video"], name="Uno")
        second = await customer_escalation(http, server, ["video"], name="Dos")
        for created, place in ((first, 1), (second, 2)):
            url = f"{server.url}/api/escalations/{created['escalation']['id']}"
            async with http.get(url, headers=bearer(created["customer"]["token"])) as r:
                seen = await r.json()
            assert seen["state"] == "queued" and seen["queue_position"] == place
        agent = await login(http, server)
        await set_presence(http, server, agent, "available")
        esc_id = first["escalation"]["id"]
        await post(http, f"{server.url}/api/escalations/{esc_id}/accept", agent)
        async with http.get(
            f"{server.url}/api/escalations/{esc_id}", headers=bearer(first["customer"]["token"])
        ) as r:
            seen = await r.json()
        assert seen["agent_name"] == "Ana Souza" and "queue_position" not in seen
