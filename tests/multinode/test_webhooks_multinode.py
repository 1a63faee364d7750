"""Two nodes on one Redis share the pending deliveries: each is sent exactly once."""

from __future__ import annotations

import contextlib
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from server.platform.keys import STORE
from store.engagement_models import WebhookDelivery, WebhookEndpoint
from store.models import utcnow
from tests.support.api import bearer, login
from tests.support.harness import RunningServer, make_config, running_server
from tests.support.receivers import Receiver, receiving

DELIVERIES = 40


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as recv:
        yield recv


@pytest.fixture
async def two_nodes(
    tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    common = {
        "store": "redis",
        "redis_url": redis_url,
        "redis_prefix": f"coview-test-{secrets.token_hex(4)}:",
        "webhook_poll_s": 0.02,
        "webhook_backoff_s": 0.05,
    }
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(running_server(make_config(tmp_path / "a", **common)))
        b = await stack.enter_async_context(
            running_server(make_config(tmp_path / "b", **common, seed_demo=False))
        )
        yield a, b


async def test_two_nodes_deliver_each_pending_delivery_exactly_once(
    two_nodes: tuple[RunningServer, RunningServer], receiver: Receiver
) -> None:
    a, _ = two_nodes
    store = a.app[STORE]
    await store.put_webhook(
        WebhookEndpoint(id="wh_shared", tenant_id="demo", url=receiver.url, secret="whsec_AAAA")
    )
    due = utcnow() + timedelta(seconds=0.2)  # both nodes' workers are polling by then
    for i in range(DELIVERIES):
        await store.save_delivery(
            WebhookDelivery(
                id=f"msg_{i:03}",
                tenant_id="demo",
                endpoint_id="wh_shared",
                event_type="escalation.queued",
                body="{}",
                next_attempt_at=due,
            )
        )
    await receiver.wait_for(DELIVERIES)
    sent = Counter(headers["webhook-id"] for headers, _ in receiver.received)
    assert sent == Counter({f"msg_{i:03}": 1 for i in range(DELIVERIES)})
    log = await store.list_deliveries("demo", "wh_shared", limit=100)
    assert len(log) == DELIVERIES


async def test_rules_set_on_one_node_apply_on_the_other(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        admin = await login(http, a, "admin@demo.coview", "coview-admin")
        closed = {"calendar": {"timezone": "Asia/Tokyo", "weekly": {}}}
        async with http.put(f"{a.url}/api/admin/rules", json=closed, headers=bearer(admin)) as r:
            assert r.status == 200
        async with http.get(
            f"{b.url}/api/availability", headers={"X-Coview-Site-Key": "demo-site-key"}
        ) as r:
            body = await r.json()
    assert (body["available"], body["reason"]) == (False, "closed")
