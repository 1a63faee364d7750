"""Sentinel failover under load: a master, a replica and three Sentinels (all real
``redis-server`` processes, AOF on), two real ``coview serve`` nodes configured with the
Sentinels only. The master is SIGKILLed while escalations are being created, offered,
accepted and completed and a co-browse session runs across the nodes.

Asserted: the nodes follow the promotion without a restart (ready again, work flows
across nodes); during the gap requests get 503 problem+json with ``Retry-After`` within
``OUTAGE_BOUND_S``; every escalation (and accept, and completion) that got a 2xx before
or after the failover is present, in exactly one state, never accepted twice; a new
viewer resumes from the checkpoint written before the failover.

Why nothing acknowledged is lost although replication is asynchronous: the nodes run
with ``COVIEW_REDIS_WAIT_REPLICAS=1``, so an escalation write is acknowledged only once
the replica has it (WAIT). The load is not paused before the kill.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from store.redis import RedisStore
from store.redis.connection import RedisTarget, parse_sentinels
from tests.redis_ha.scenario import scenario
from tests.redis_ha.topology import (
    MASTER_NAME,
    PASSWORD,
    coview_nodes,
    master_port,
    sentinel_topology,
    watch_switch_master,
)
from tests.redis_ha.traffic import assert_ledger_in_store

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.timeout(240)]

# Sentinels see the master down after 1 s (down-after-milliseconds) and promote the
# replica a second or two later; the nodes follow within their next request.
PROMOTION_BOUND_S = 15.0
RECOVERY_BOUND_S = 10.0


async def test_nodes_follow_a_sentinel_failover_without_losing_acknowledged_writes(
    tmp_path: Path,
) -> None:
    with sentinel_topology(tmp_path / "redis") as (master, replica, sentinels):
        sentinel_list = ",".join(s.address for s in sentinels)
        env = {
            # Sentinel mode: host and port of the URL are unused, its password is not
            "COVIEW_REDIS_URL": f"redis://:{PASSWORD}@unused:1/0",
            "COVIEW_REDIS_SENTINELS": sentinel_list,
            "COVIEW_REDIS_SENTINEL_MASTER": MASTER_NAME,
            "COVIEW_REDIS_SENTINEL_PASSWORD": PASSWORD,
            "COVIEW_REDIS_WAIT_REPLICAS": "1",
            "COVIEW_REDIS_WAIT_TIMEOUT_MS": "100",
        }
        async with coview_nodes(tmp_path, env) as nodes, scenario(nodes) as run:
            promotion = await watch_switch_master(sentinels[0])
            master.kill()  # under load, no pause
            killed_at = time.monotonic()
            await run.check_outage()  # the gap is short: the load may not meet it again

            assert await asyncio.wait_for(promotion, PROMOTION_BOUND_S) == replica.port
            assert master_port(sentinels) == replica.port
            async with asyncio.timeout(RECOVERY_BOUND_S):
                await asyncio.gather(*(node.wait_ready() for node in nodes))
            gap_s = time.monotonic() - killed_at
            await run.check_recovered(checkpoint_seq=1)
            await run.finish()
            run.assert_failures_fast_503()

            target = RedisTarget(
                url=f"redis://:{PASSWORD}@unused:1/0",
                sentinels=parse_sentinels(tuple(sentinel_list.split(","))),
                sentinel_master=MASTER_NAME,
                sentinel_password=PASSWORD,
            )
            store = RedisStore(target, prefix=nodes[0].env["COVIEW_REDIS_PREFIX"])
            await store.open()
            try:
                await assert_ledger_in_store(store, run.ledger)
            finally:
                await store.close()
            refused = len(run.ledger.failures())
            print(f"failover: nodes ready {gap_s:.1f} s after the kill; {refused} refused")
