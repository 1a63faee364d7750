"""Two app instances on one real Redis race for the same escalations."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from escalation.core.service import ESCALATIONS
from server.platform.keys import STORE
from store.base import Store
from store.escalation_models import EscalationWrite, WriteResult
from store.models import Agent, utcnow
from tests.support.escalations import FAST, api_key, body, console, create
from tests.support.harness import RunningServer, make_config, running_server

ESCALATIONS_IN_RACE = 200
AGENTS_IN_RACE = 50  # four chats each: exactly enough room for every escalation
RACERS_PER_NODE = 32


@contextlib.asynccontextmanager
async def nodes_on_one_redis(
    tmp_path: Path, redis_url: str, **overrides: Any
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    prefix = f"coview-test-{secrets.token_hex(4)}:"
    common = {
        **FAST,
        "store": "redis",
        "redis_url": redis_url,
        "redis_prefix": prefix,
        "offer_timeout_s": 600.0,  # no offer expires while the race is checked
        **overrides,
    }
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(running_server(make_config(tmp_path / "a", **common)))
        b = await stack.enter_async_context(
            running_server(make_config(tmp_path / "b", **common, seed_demo=False))
        )
        yield a, b


@pytest.fixture
async def two_nodes(
    tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    async with nodes_on_one_redis(tmp_path, redis_url) as nodes:
        yield nodes


async def race_agents(store: Store, count: int) -> list[str]:
    agent_ids = [f"ag_race_{i:03d}" for i in range(count)]
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
    return agent_ids


async def test_two_nodes_racing_claim_each_escalation_exactly_once(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    store = a.app[STORE]
    agent_ids = await race_agents(store, AGENTS_IN_RACE)
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


async def test_agents_freed_together_on_one_node_each_pull_a_different_escalation(
    two_nodes: tuple[RunningServer, RunningServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pulls running together on one node do not all ask for the head of the queue:
    each passes over what another is offering, so none loses a write race (before,
    every pull but one lost at the head, then again one position down, and so on:
    the conflicts grew with the square of the agents freed at once)."""
    a, _ = two_nodes
    store = a.app[STORE]
    agent_ids = await race_agents(store, 12)
    async with aiohttp.ClientSession() as http:
        created = [
            await create(http, a, body(modalities=["video"]), api_key())
            for _ in range(len(agent_ids))
        ]
    assert all(c["escalation"]["state"] == "queued" for c in created)
    results: Counter[str] = Counter()
    write = store.write_escalation

    async def counted(change: EscalationWrite) -> WriteResult:
        result = await write(change)
        results[result] += 1
        return result

    monkeypatch.setattr(store, "write_escalation", counted)
    for agent_id in agent_ids:
        await store.set_presence(agent_id, "available", utcnow())
    await asyncio.gather(*(a.app[ESCALATIONS].pull(agent_id) for agent_id in agent_ids))
    offered = [await store.get_escalation(c["escalation"]["id"]) for c in created]
    assert sorted(e.offered_to or "" for e in offered if e is not None) == agent_ids
    assert results == Counter(ok=len(agent_ids))


async def test_an_escalation_passed_over_while_claimed_is_routed_when_that_offer_fails(
    two_nodes: tuple[RunningServer, RunningServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull passes over a queued escalation that this node is offering to another
    agent; if that offer then answers ``full``, the escalation is routed at once
    instead of waiting, with an agent free, for the next one to free up."""
    a, _ = two_nodes
    store = a.app[STORE]
    first, second = await race_agents(store, 2)
    async with aiohttp.ClientSession() as http:
        created = await create(http, a, body(modalities=["video"]), api_key())
    esc_id = created["escalation"]["id"]
    writing, answer = asyncio.Event(), asyncio.Event()
    write = store.write_escalation

    async def full_once_for_the_first(change: EscalationWrite) -> WriteResult:
        if change.escalation.offered_to == first and not writing.is_set():
            writing.set()  # the offer is being written: the escalation is claimed
            await answer.wait()
            return "full"  # the first agent was filled meanwhile (by another node)
        return await write(change)

    monkeypatch.setattr(store, "write_escalation", full_once_for_the_first)
    for agent_id in (first, second):
        await store.set_presence(agent_id, "available", utcnow())
    pulling = asyncio.create_task(a.app[ESCALATIONS].pull(first))
    await writing.wait()
    await a.app[ESCALATIONS].pull(second)  # finds only the claimed escalation
    answer.set()
    await pulling
    esc = await store.get_escalation(esc_id)
    assert esc is not None and esc.state == "offered", esc


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


async def test_one_queue_broadcast_per_interval_whatever_the_number_of_nodes(
    tmp_path: Path, redis_url: str
) -> None:
    """Both nodes change the queue all the time; a console gets the organisation's
    queue summary at most once per interval (the nodes take turns), not once per node
    per interval, and the last summary counts every escalation made on either node."""
    interval = 0.25
    async with (
        nodes_on_one_redis(tmp_path, redis_url, queue_broadcast_s=interval) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        _, feed = await console(http, a, "carla", available=False)
        try:
            await feed.next("queue")  # the snapshot
            started = time.monotonic()
            made = 0
            while time.monotonic() - started < 6 * interval:
                await create(http, a if made % 2 else b)
                made += 1
                await asyncio.sleep(0.02)  # the load: creates spread over the window
            window = time.monotonic() - started
            received = 0
            while True:  # every summary since the first create, until one counts them all
                summary = await feed.next("queue", wait_s=5)
                received += 1
                if sum(summary["counts"].values()) == made:
                    break
            elapsed = time.monotonic() - started
        finally:
            await feed.close()
    assert made >= 6
    # Each node alone would send about elapsed / interval; both together twice that.
    assert received <= elapsed / interval + 2, (received, window, elapsed)
