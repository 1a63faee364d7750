"""Local copies on two Redis stores (two nodes): a change on one is seen on the other
within a bound, and no copy outlives the invalidation channel."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from store.models import Agent, ApiKey, utcnow
from store.redis import RedisStore
from store.redis.cache import SILENT_S

BOUND_S = 1.0  # a healthy channel delivers in about a millisecond


@pytest.fixture
async def nodes(redis_url: str) -> AsyncIterator[tuple[RedisStore, RedisStore]]:
    prefix = f"coview-cache-{secrets.token_hex(4)}:"
    a, b = RedisStore(redis_url, prefix), RedisStore(redis_url, prefix)
    for store in (a, b):
        await store.open()
    await until(lambda: all_live(a, b), "both nodes subscribed")
    yield a, b
    for store in (a, b):
        await store.close()


async def all_live(*stores: RedisStore) -> bool:
    return all(s.invalidations.live for s in stores)


async def until(check: Callable[[], Awaitable[bool]], what: str, bound: float = BOUND_S) -> float:
    """Seconds until ``check`` holds; fails past ``bound``. The change travels over
    Redis pub/sub to another store, so there is no event of ours to await."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > bound:
            pytest.fail(f"not within {bound} s: {what}")
        await asyncio.sleep(0.005)
    return time.monotonic() - start


def agent(name: str) -> Agent:
    return Agent(id="ag_1", tenant_id="t1", email="one@example.com", name=name, password_hash="h")


async def test_an_agent_changed_on_one_node_is_seen_on_the_other(
    nodes: tuple[RedisStore, RedisStore],
) -> None:
    a, b = nodes
    await a.create_agent(agent("Before"))

    async def copied() -> bool:  # once the creation's own announcement has passed
        first = await b.get_agent("ag_1")
        assert first is not None and first.name == "Before"
        return b._agents.lookup("ag_1") == (True, first)

    await until(copied, "B answers from its copy")
    await a.update_agent(agent("After"))

    async def renamed() -> bool:
        found = await b.get_agent("ag_1")
        return found is not None and found.name == "After"

    await until(renamed, "B sees the new name")
    presence = await a.set_presence("ag_1", "available", utcnow())
    assert presence is not None

    async def available() -> bool:
        found = await b.get_agent("ag_1")
        return found is not None and found.presence == "available"

    await until(available, "B sees the new presence")


async def test_a_token_revoked_on_one_node_is_refused_on_the_other(
    nodes: tuple[RedisStore, RedisStore],
) -> None:
    a, b = nodes
    assert not await b.is_token_revoked("jti-1")
    await a.revoke_token("jti-1", utcnow() + timedelta(minutes=5))
    assert await a.is_token_revoked("jti-1")  # at once on the node that revoked it

    async def refused() -> bool:
        return await b.is_token_revoked("jti-1")

    await until(refused, "B refuses the token")


async def test_a_node_that_subscribes_later_loads_the_whole_deny_list(
    nodes: tuple[RedisStore, RedisStore], redis_url: str
) -> None:
    a, _ = nodes
    await a.revoke_token("jti-old", utcnow() + timedelta(minutes=5))
    late = RedisStore(redis_url, a.keys.prefix)
    await late.open()
    try:
        await until(lambda: all_live(late), "the late node subscribed")
        assert await late.is_token_revoked("jti-old")  # from its local copy
        assert not await late.is_token_revoked("jti-other")
    finally:
        await late.close()


async def test_an_api_key_stored_after_a_miss_is_found_on_the_other_node(
    nodes: tuple[RedisStore, RedisStore],
) -> None:
    a, b = nodes
    assert await b.get_api_key("h1") is None  # remembered as absent
    key = ApiKey(id="k", tenant_id="t1", name="bot", key_hash="h1")
    await a.put_api_key(key)

    async def found() -> bool:
        return await b.get_api_key("h1") == key

    await until(found, "B finds the new key")


async def test_no_copy_is_used_while_the_channel_is_down(
    nodes: tuple[RedisStore, RedisStore], redis_url: str
) -> None:
    """A change made while a node's subscription is gone reaches it anyway: it reads
    from Redis until it has subscribed again, with its copies dropped."""
    a, b = nodes
    await a.create_agent(agent("Before"))
    assert (await b.get_agent("ag_1")) is not None
    admin = aioredis.from_url(redis_url)
    try:
        await admin.client_kill_filter(_type="pubsub")
    finally:
        await admin.aclose()
    await until(lambda: not_live(b), "B notices", bound=SILENT_S + BOUND_S)
    await a.update_agent(agent("After"))  # B hears nothing of this
    found = await b.get_agent("ag_1")
    assert found is not None and found.name == "After"
    await until(lambda: all_live(a, b), "both subscribed again", bound=2 + BOUND_S)
    found = await b.get_agent("ag_1")
    assert found is not None and found.name == "After"


async def not_live(store: RedisStore) -> bool:
    return not store.invalidations.live


async def test_a_load_change_on_one_node_reaches_the_others_routers(
    nodes: tuple[RedisStore, RedisStore],
) -> None:
    """Routers on the other nodes follow an agent's load as writes leave it, so they
    do not offer an agent another node has just filled (a write answering ``full``)."""
    from store.escalation_models import AgentLoad, LoadChange
    from tests.store.test_store_escalations import CAPACITY, create, make_escalation, move

    a, b = nodes
    seen: list[tuple[str, AgentLoad]] = []
    b.watch_agent_loads(lambda agent_id, load: seen.append((agent_id, load)))
    esc = await create(a, make_escalation("esc_w"))
    result, offered = await move(a, esc, "offered", LoadChange("ag1", 1, ("video",), CAPACITY))
    assert result == "ok"

    async def filled() -> bool:
        return bool(seen) and seen[-1][1].load == {"video": 1}

    await until(filled, "B hears that ag1 holds a video")
    assert seen[-1][0] == "ag1" and seen[-1][1].idle_since is None
    result, _ = await move(a, offered, "queued", LoadChange("ag1", -1, ("video",)))
    assert result == "ok"

    async def freed() -> bool:
        return seen[-1][1].load == {} and seen[-1][1].idle_since is not None

    await until(freed, "B hears that ag1 is free and since when")
    assert seen[-1][1] == (await b.get_agent_loads(["ag1"]))["ag1"]
    assert b._load_copy.known(["ag1"]) == {"ag1": seen[-1][1]}  # read from B's copy
    assert [load.version for _, load in seen] == [1, 2]  # each write moved it on
    full, _ = await move(a, esc, "offered", LoadChange("ag1", 2, ("video",), CAPACITY))
    assert full == "conflict" and len(seen) == 2  # a refused write announces nothing
    mine: list[str] = []
    a.watch_agent_loads(lambda agent_id, _: mine.append(agent_id))
    await a.mark_agent_idle("ag2", utcnow())
    await until(lambda: asyncio.sleep(0, len(seen) == 3), "B hears ag2's idle clock")
    assert mine == []  # a node's own writes reach its watchers from whoever made them
