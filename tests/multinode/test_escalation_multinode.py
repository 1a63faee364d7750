"""Two app instances on one real Redis race for the same escalations."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from escalation.core.service import ESCALATIONS
from server.platform.keys import STORE
from store.models import Agent, utcnow
from tests.support.escalations import FAST, api_key, body, console, create
from tests.support.harness import RunningServer, make_config, running_server

ESCALATIONS_IN_RACE = 200
AGENTS_IN_RACE = 50  # four chats each: exactly enough room for every escalation
RACERS_PER_NODE = 32


@pytest.fixture
async def two_nodes(
    tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    prefix = f"coview-test-{secrets.token_hex(4)}:"
    common = {
        **FAST,
        "store": "redis",
        "redis_url": redis_url,
        "redis_prefix": prefix,
        "offer_timeout_s": 600.0,  # no offer expires while the race is checked
    }
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(running_server(make_config(tmp_path / "a", **common)))
        b = await stack.enter_async_context(
            running_server(make_config(tmp_path / "b", **common, seed_demo=False))
        )
        yield a, b


async def test_two_nodes_racing_claim_each_escalation_exactly_once(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    store = a.app[STORE]
    agent_ids = [f"ag_race_{i:03d}" for i in range(AGENTS_IN_RACE)]
    for agent_id in agent_ids:
        await store.create_agent(
            Agent(
                id=agent_id,
                tenant_id="demo",
                email=f"{agent_id}@race.test",
                name=agent_id,
                password_hash="-",
                languages=["es"],
            )
        )
    async with aiohttp.ClientSession() as http:
        created = await asyncio.gather(
            *(
                create(http, (a, b)[i % 2], body(modalities=["chat"]), api_key())
                for i in range(ESCALATIONS_IN_RACE)
            )
        )
    esc_ids = [c["escalation"]["id"] for c in created]
    assert all(c["escalation"]["state"] == "queued" for c in created)  # nobody available yet
    for agent_id in agent_ids:
        await store.set_presence(agent_id, "available", utcnow())
    # Both nodes pull for every agent and route every escalation at the same time
    # (each node with at most RACERS_PER_NODE operations in flight, as a busy node).
    gates = {id(a): asyncio.Semaphore(RACERS_PER_NODE), id(b): asyncio.Semaphore(RACERS_PER_NODE)}

    async def gated(node: RunningServer, op: Coroutine[Any, Any, object]) -> None:
        async with gates[id(node)]:
            await op

    await asyncio.gather(
        *(
            gated(node, node.app[ESCALATIONS].pull(agent_id))
            for node in (a, b)
            for agent_id in agent_ids
        ),
        *(
            gated(node, node.app[ESCALATIONS].route(esc_id))
            for node in (b, a)
            for esc_id in esc_ids
        ),
    )
    offered_to: Counter[str] = Counter()
    for esc_id in esc_ids:
        events = await store.list_events(esc_id)
        offers = [e for e in events if e.type == "offered"]
        assert len(offers) == 1, (esc_id, [e.type for e in events])
        offered_to[offers[0].data["agent_id"]] += 1
        esc = await store.get_escalation(esc_id)
        assert esc is not None and esc.state == "offered"
    assert sum(offered_to.values()) == ESCALATIONS_IN_RACE
    assert max(offered_to.values()) <= 4
    loads = await store.get_agent_loads(agent_ids)
    assert all(load.load == {"chat": 4} for load in loads.values())


async def test_offer_made_on_one_node_reaches_a_console_on_the_other(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        _, feed = await console(http, b, "ana")
        try:
            created = await create(http, a)
            offer = await feed.next("offer")
            assert offer["escalation"]["id"] == created["escalation"]["id"]
        finally:
            await feed.close()
