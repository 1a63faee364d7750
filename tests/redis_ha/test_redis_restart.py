"""Redis killed (SIGKILL) and restarted under load, two real ``coview serve`` nodes on it.

What the test allows, and why: Redis runs with AOF ``appendfsync everysec``, so a crash
may lose the writes of the last second. The test pauses its load, waits until Redis
reports the AOF written and fsynced (nothing buffered, no fsync pending, one fsync tick
passed), then kills it: every write acknowledged before the kill must be there after
the restart. Writes acknowledged in the second before a crash are the bounded exception
(docs/architecture.md, "Redis high availability"); this test does not claim them.

Bounds asserted: while Redis is down, a request that needs it gets 503 problem+json with
``Retry-After`` within ``OUTAGE_BOUND_S`` (the nodes run with ``COVIEW_REDIS_TIMEOUT_S``
= 1; refused connections fail at once), ``/readyz`` is 503 on both nodes; after the
restart both nodes are ready again within ``RECOVERY_BOUND_S`` without being restarted,
cross-node Socket.IO emits and co-browse frames flow again.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest

from store.redis import RedisStore
from tests.cobrowse_peer import CobrowsePeer
from tests.redis_ha.topology import RedisNode, coview_nodes, wait_aof_flushed
from tests.redis_ha.traffic import (
    Ledger,
    act,
    agent_worker,
    assert_ledger_in_store,
    create_once,
    create_steadily,
    login,
    outage_probe,
    set_presence,
)
from tests.sio import SioPeer
from tests.test_cobrowse_multinode import SNAPSHOT, closed_with

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.timeout(150)]

OUTAGE_BOUND_S = 2.0
RECOVERY_BOUND_S = 10.0
TRY_AGAIN_LATER = 1013


async def test_redis_killed_and_restarted_under_load(tmp_path: Path) -> None:
    redis_node = RedisNode(tmp_path / "redis")
    redis_node.start()
    ledger = Ledger()
    tasks: list[asyncio.Task[None]] = []
    try:
        async with (
            coview_nodes(tmp_path, {"COVIEW_REDIS_URL": redis_node.url}) as nodes,
            aiohttp.ClientSession() as http,
        ):
            a, b = nodes
            # A co-browse session: Carla (console on B) takes it, then steps away.
            carla = await login(http, a, "carla")
            carla_feed = await SioPeer("/agent").connect(b.url, carla)
            await set_presence(http, a, carla, "available")
            _, created = await create_once(http, a, ledger, modalities=["cobrowse"])
            esc_id = created["escalation"]["id"]
            session_id = created["escalation"]["session_id"]
            await carla_feed.next("offer")  # decided on A, delivered on B through Redis
            assert (await act(http, b, ledger, esc_id, "accept", carla)).status == 200
            ledger.accepted[esc_id] = "carla"
            await set_presence(http, b, carla, "away")
            customer = await CobrowsePeer.connect(http, a.url, created["customer"]["token"])
            await customer.next("hello")
            await customer.send_events(1, SNAPSHOT, full=True)
            await customer.acked(1)
            viewer = await CobrowsePeer.connect(http, b.url, carla, session_id)
            assert (await viewer.next("checkpoint"))[0]["seq"] == 1
            call = await SioPeer("/session").connect(a.url, created["customer"]["token"])

            # Load: creates through both nodes; Ana (on B) and Bruno (on A) take offers.
            for who, feed_node in (("ana", b), ("bruno", a)):
                token = await login(http, a, who)
                feed = await SioPeer("/agent").connect(feed_node.url, token)
                await set_presence(http, a, token, "available")
                tasks.append(
                    asyncio.create_task(agent_worker(http, nodes, who, token, feed, ledger))
                )
            stop = asyncio.Event()
            tasks.append(asyncio.create_task(create_steadily(http, nodes, ledger, stop, 20)))
            await ledger.until_completed(3)

            # Crash: pause, let the AOF catch up (the everysec window), SIGKILL.
            await ledger.gate.close()
            before = (dict(ledger.created), dict(ledger.accepted), set(ledger.completed))
            wait_aof_flushed(redis_node)
            redis_node.kill()
            ledger.gate.open()

            for node in nodes:  # requests fail fast and say when to retry
                for _ in range(3):
                    answer = await outage_probe(http, node, ledger)
                    assert answer.status == 503, answer
                    assert answer.elapsed_s <= OUTAGE_BOUND_S, answer
                assert await node.readyz(http) == 503
            ack = await call.call("join", {"session_id": session_id})
            assert ack["ok"] is False and ack["error"]["code"] == "unavailable", ack
            await customer.send_events(2, [{"type": 3, "data": {"text": "lost"}}])
            assert await closed_with(customer) == TRY_AGAIN_LATER
            # The load goes on meanwhile: a second of it, all refused fast.
            refused = len(ledger.failures())
            await ledger.until(lambda x: len(x.failures()) >= refused + 20, "load meets the outage")
            late = [x for x in ledger.answers if x.status == 503 and x.elapsed_s > OUTAGE_BOUND_S]
            assert not late, late
            assert {x.status for x in ledger.failures()} == {503}, ledger.failures()

            redis_node.start()  # same port and directory: loads the AOF
            async with asyncio.timeout(RECOVERY_BOUND_S):
                await asyncio.gather(*(node.wait_ready() for node in nodes))

            # Nothing acknowledged before the crash is lost.
            store = RedisStore(redis_node.url, prefix=a.env["COVIEW_REDIS_PREFIX"])
            await store.open()
            try:
                for esc in before[0]:
                    assert await store.get_escalation(esc) is not None, f"{esc} lost"
                for esc in before[1]:
                    got = await store.get_escalation(esc)
                    assert got is not None and got.agent_id is not None, f"accept {esc} lost"

                # Socket.IO across nodes again: new creates get offered and completed.
                await ledger.until_completed(len(ledger.completed) + 3)
                assert (await call.call("join", {"session_id": session_id}))["ok"] is True

                # Co-browse: the customer reconnects (as the widget does, on any close
                # but 4001) to A; the viewer that stayed on B gets its frames again.
                customer = await CobrowsePeer.connect(http, a.url, created["customer"]["token"])
                await customer.next("hello")
                await customer.send_events(3, SNAPSHOT, full=True)
                await customer.send_events(4, [{"type": 3, "data": {"text": "back"}}])
                await customer.acked(4)
                header, payload = await viewer.next("events")
                while header["seq"] != 4:
                    header, payload = await viewer.next("events")
                assert b"back" in payload
                fresh = await CobrowsePeer.connect(http, b.url, carla, session_id)
                assert (await fresh.next("checkpoint"))[0]["seq"] == 4

                stop.set()
                await ledger.gate.close()
                await assert_ledger_in_store(store, ledger)
            finally:
                await store.close()
            for peer in (customer, viewer, fresh):
                await peer.close()
            await call.close()
            await carla_feed.close()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        redis_node.stop()
