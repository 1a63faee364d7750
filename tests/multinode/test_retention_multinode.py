"""The purge across nodes on one real redis-server sharing a data volume: one node at
a time (a lease in the store), each item removed once, and a node that dies holding
the lease delays the purge only until the lease runs out."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from escalation.core.states import TERMINAL
from server.platform.keys import STORE
from server.retention.purge import LEASE, PURGER
from store.models import utcnow
from tests.support.api import login, problem
from tests.support.harness import RunningServer, make_config, running_server
from tests.support.retention_helpers import purge_now, seed, set_policy

COPIES = 3
ONCE_EACH = (
    "call_recordings",
    "cobrowse_recordings",
    "snapshots",
    "escalations",
    "conversations",
    "consents",
    "webhook_deliveries",
)


@pytest.fixture
async def shared_nodes(
    tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    """Two nodes on one Redis and one data dir (the deployment the purge is made for)."""
    common = {
        "store": "redis",
        "redis_url": redis_url,
        "redis_prefix": f"coview-test-{secrets.token_hex(4)}:",
    }
    shared = tmp_path / "shared"
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(running_server(make_config(shared, **common)))
        b = await stack.enter_async_context(
            running_server(make_config(shared, **common, seed_demo=False))
        )
        yield a, b


async def admin_token(http: aiohttp.ClientSession, node: RunningServer) -> str:
    return await login(http, node, node.config.admin_email, node.config.admin_password)


async def test_two_nodes_purging_at_once_remove_each_item_once(
    shared_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = shared_nodes
    later = utcnow() + timedelta(days=4000)  # past every default period
    async with aiohttp.ClientSession() as http:
        token = await admin_token(http, a)
        await seed(a, copies=COPIES)
        for node in (a, b):
            node.app[PURGER].clock = lambda: later
        responses = await asyncio.gather(purge_now(http, a, token), purge_now(http, b, token))
        reports: list[dict[str, Any]] = []
        for response in responses:
            assert response.status in (200, 409)
            if response.status == 200:
                reports.append(await response.json())
        assert reports  # at least one ran
        total: Counter[str] = Counter()
        for report in reports:
            total.update(report["removed"])
        for kind in ONCE_EACH:
            assert total[kind] == COPIES, (kind, reports)
        assert len({r["node"] for r in reports}) == len(reports)
        # nothing left for either node
        for node in (a, b):
            again = await purge_now(http, node, token)
            removed = (await again.json())["removed"]
            assert all(removed[k] == 0 for k in ONCE_EACH)


async def test_the_store_purges_count_each_item_once_across_nodes(
    shared_nodes: tuple[RunningServer, RunningServer],
) -> None:
    """Below the lease: the two nodes' store deletes running together."""
    a, b = shared_nodes
    seeded = await seed(a, copies=COPIES)
    cutoff = utcnow() + timedelta(days=1)
    got = await asyncio.gather(
        *(n.app[STORE].purge_escalations("demo", cutoff, TERMINAL, 100) for n in (a, b))
    )
    assert sorted(e.id for found in got for e in found) == sorted(seeded.escalations)
    counts = await asyncio.gather(
        *(n.app[STORE].purge_consents("demo", cutoff) for n in (a, b)),
        *(n.app[STORE].purge_deliveries("demo", cutoff) for n in (a, b)),
    )
    assert counts[0] + counts[1] == COPIES and counts[2] + counts[3] == COPIES


async def test_a_node_dying_mid_purge_holds_it_up_only_until_its_lease_runs_out(
    shared_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = shared_nodes
    store = a.app[STORE]
    later = utcnow() + timedelta(days=400)
    lease_s = a.config.purge_lease_s
    async with aiohttp.ClientSession() as http:
        token = await admin_token(http, a)
        assert (await set_policy(http, a, token, audit_days=3650, consents_days=3650)).status == 200
        seeded = await seed(a, copies=COPIES)
        # node "dead" takes the lease, removes one escalation, and dies without releasing
        assert await store.acquire_lease(LEASE, "node_dead", later, lease_s)
        [gone] = await store.purge_escalations("demo", later - timedelta(days=365), TERMINAL, 1)
        b.app[PURGER].clock = lambda: later + timedelta(seconds=lease_s / 2)
        await problem(await purge_now(http, b, token), 409)
        assert await store.get_escalation(seeded.escalations[-1]) is not None
        # once the lease has run out, node b resumes: the rest goes, each once
        b.app[PURGER].clock = lambda: later + timedelta(seconds=lease_s + 1)
        response = await purge_now(http, b, token)
        assert response.status == 200
        removed = (await response.json())["removed"]
        assert removed["escalations"] == COPIES - 1
        assert removed["call_recordings"] == COPIES
        for esc_id in seeded.escalations:
            assert await store.get_escalation(esc_id) is None
        assert gone.id in seeded.escalations
