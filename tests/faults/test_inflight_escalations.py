"""Escalations created at a steady rate while the node taking them is killed: each
ends up queued or offered exactly once on the survivor, none without a deadline that
some node will act on."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from store.redis import RedisStore
from tests.faults.cluster import Node
from tests.faults.ledger import audit
from tests.faults.proxy import TcpProxy
from tests.support.api import bearer, login
from tests.support.escalations import API_KEY, EMAILS, body, set_presence

COUNT = 50
RATE_PER_S = 20
KILL_AFTER = 20  # creates sent before a is killed
SETTLED_WITHIN_S = 12.0  # every create answered 2xx (retries included) after the kill


async def create_until_done(
    http: aiohttp.ClientSession, url: str, key: str, results: dict[str, tuple[float, str]]
) -> None:
    """A careful bot: on a broken connection or a 409 (the first try is still in flight
    on a node that may be dead) it retries with the same Idempotency-Key."""
    payload = body(modalities=["chat"], channel="chat")
    headers = {**bearer(API_KEY), "Idempotency-Key": key}
    while True:
        try:
            async with http.post(f"{url}/api/escalations", json=payload, headers=headers) as r:
                if r.status == 201 or r.status == 200:
                    results[key] = (time.monotonic(), (await r.json())["escalation"]["id"])
                    return
                assert r.status in (409, 502, 503), await r.text()
                retry = float(r.headers.get("Retry-After", "0.2"))
        except (aiohttp.ClientError, ConnectionError):
            retry = 0.1
        await asyncio.sleep(min(retry, 1.0))  # the bot's back-off


async def test_escalations_in_flight_on_a_killed_node(
    pair: tuple[Node, Node, TcpProxy], http: aiohttp.ClientSession, redis_url: str
) -> None:
    a, _, proxy = pair
    for who in ("ana", "bruno", "carla"):
        await set_presence(http, a, await login(http, a, EMAILS[who]), "available")

    results: dict[str, tuple[float, str]] = {}
    tasks = []
    started = time.monotonic()
    killed_at = 0.0
    for i in range(COUNT):
        if i == KILL_AFTER:
            a.kill()
            killed_at = time.monotonic()
        tasks.append(asyncio.create_task(create_until_done(http, proxy.url, f"k{i}", results)))
        await asyncio.sleep(max(0.0, started + (i + 1) / RATE_PER_S - time.monotonic()))
    await asyncio.wait_for(asyncio.gather(*tasks), SETTLED_WITHIN_S + COUNT / RATE_PER_S)
    settled_s = max(at for at, _ in results.values()) - killed_at
    assert settled_s < SETTLED_WITHIN_S, settled_s

    ids = {esc_id for _, esc_id in results.values()}
    assert len(ids) == COUNT  # one escalation per key
    prefix = a.env["COVIEW_REDIS_PREFIX"]
    store = RedisStore(redis_url, prefix=prefix)
    await store.open()
    try:
        stored = await store.list_escalations("demo", limit=1000)
        assert sorted(e.id for e in stored) == sorted(ids)  # nothing created twice
        for esc in stored:
            assert esc.state in ("queued", "offered"), (esc.id, esc.state)
            deadlines = await store.get_deadlines(esc.id)
            # someone's timer owns it: the queue timeout, and the offer's expiry
            assert "queue" in deadlines, (esc.id, esc.state, deadlines)
            if esc.state == "offered":
                assert "offer" in deadlines, (esc.id, deadlines)
        offered = sum(e.state == "offered" for e in stored)
        assert offered == 12  # three agents with room for four chats each
    finally:
        await store.close()
    logs = await audit(http, proxy.url, ids)
    for esc_id, log in logs.items():
        assert [e["type"] for e in log][:2] == ["requested", "queued"], (esc_id, log)
