"""Webhooks: admin API, Standard Webhooks signatures, retries with backoff, delivery log.
Receivers are aiohttp servers on loopback."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from escalation.integrations.webhooks import WEBHOOKS
from server.platform.keys import STORE
from server.platform.signing import verify
from store.engagement_models import WebhookDelivery
from store.models import utcnow
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer, free_port, make_config, running_server
from tests.support.receivers import Receiver, receiving


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as recv:
        yield recv


@pytest.fixture
async def fast_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    config = make_config(
        tmp_path, webhook_backoff_s=0.05, webhook_poll_s=0.05, webhook_max_attempts=3
    )
    async with running_server(config) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def subscribe(
    http: aiohttp.ClientSession, server: RunningServer, url: str, **fields: Any
) -> dict[str, Any]:
    token = await login(http, server, "admin@demo.coview", "coview-admin")
    async with http.post(
        f"{server.url}/api/admin/webhooks", json={"url": url, **fields}, headers=bearer(token)
    ) as r:
        assert r.status == 201, await r.text()
        created: dict[str, Any] = await r.json()
        return created


async def delivery_log(
    http: aiohttp.ClientSession, server: RunningServer, endpoint_id: str
) -> list[dict[str, Any]]:
    token = await login(http, server, "admin@demo.coview", "coview-admin")
    async with http.get(
        f"{server.url}/api/admin/webhooks/{endpoint_id}/deliveries", headers=bearer(token)
    ) as r:
        assert r.status == 200
        deliveries: list[dict[str, Any]] = (await r.json())["deliveries"]
        return deliveries


async def settled(
    http: aiohttp.ClientSession, server: RunningServer, endpoint_id: str
) -> dict[str, Any]:
    """The only delivery, once it is no longer pending."""
    for _ in range(200):
        log = await delivery_log(http, server, endpoint_id)
        if log and log[0]["status"] != "pending":
            return log[0]
        await asyncio.sleep(0.05)  # polling the public log, as an operator would
    raise AssertionError("delivery never settled")


async def test_admin_creates_lists_reads_and_deletes_endpoints(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created = await subscribe(http, server, "https://example.com/h", event_types=["escalation.*"])
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"][6:])) == 24
    token = await login(http, server, "admin@demo.coview", "coview-admin")
    async with http.get(f"{server.url}/api/admin/webhooks", headers=bearer(token)) as r:
        listed = (await r.json())["webhooks"]
    assert [w["id"] for w in listed] == [created["id"]] and listed[0]["secret"] is None
    one = f"{server.url}/api/admin/webhooks/{created['id']}"
    async with http.get(one, headers=bearer(token)) as r:
        assert (await r.json())["secret"] == created["secret"]
    async with http.delete(one, headers=bearer(token)) as r:
        assert r.status == 204
    async with http.delete(one, headers=bearer(token)) as r:
        await problem(r, 404)


async def test_bad_endpoints_and_callers_are_refused(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, server, "admin@demo.coview", "coview-admin")
    url = f"{server.url}/api/admin/webhooks"
    for body in (
        {"url": "ftp://example.com/x"},
        {"url": "not a url at all"},
        {"url": "https://example.com", "event_types": ["Bad Pattern!"]},
        {"url": "https://example.com", "unknown": 1},
    ):
        async with http.post(url, json=body, headers=bearer(admin)) as r:
            await problem(r, 422)
    agent = await login(http, server, "ana@demo.coview")
    async with http.post(url, json={"url": "https://e.com/h"}, headers=bearer(agent)) as r:
        await problem(r, 403)
    async with http.get(f"{url}/wh_nope/deliveries", headers=bearer(admin)) as r:
        await problem(r, 404)


async def test_delivery_is_signed_as_standard_webhooks(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = await subscribe(http, fast_server, receiver.url)
    await fast_server.app[WEBHOOKS].publish(
        "demo", "escalation.queued", {"escalation": {"id": "esc_1", "state": "queued"}}
    )
    await receiver.wait_for(1)
    headers, body = receiver.received[0]
    key = base64.b64decode(endpoint["secret"].removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == "v1," + expected
    assert headers["webhook-id"].startswith("msg_")
    assert verify(
        endpoint["secret"],
        headers["webhook-id"],
        headers["webhook-timestamp"],
        body,
        headers["webhook-signature"],
    )
    payload = json.loads(body)
    assert payload["type"] == "escalation.queued"
    assert payload["data"]["escalation"]["id"] == "esc_1"
    delivery = await settled(http, fast_server, endpoint["id"])
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]


async def test_failing_receiver_gets_retries_with_the_same_id(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    endpoint = await subscribe(http, fast_server, receiver.url)
    await fast_server.app[WEBHOOKS].publish("demo", "escalation.accepted", {})
    await receiver.wait_for(3)
    delivery = await settled(http, fast_server, endpoint["id"])
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert ids == {delivery["id"]}
    first, second, third = (a["at"] for a in delivery["attempts"])
    assert first < second < third


async def test_delivery_fails_after_the_last_attempt(
    fast_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    endpoint = await subscribe(http, fast_server, dead)
    await fast_server.app[WEBHOOKS].publish("demo", "escalation.queued", {})
    delivery = await settled(http, fast_server, endpoint["id"])
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 3
    assert all(a["status_code"] is None and a["error"] for a in delivery["attempts"])


async def test_endpoints_get_only_the_event_types_they_subscribed_to(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = await subscribe(http, fast_server, receiver.url, event_types=["escalation.comp*"])
    dispatcher = fast_server.app[WEBHOOKS]
    assert await dispatcher.publish("demo", "escalation.queued", {}) == []
    assert len(await dispatcher.publish("demo", "escalation.completed", {})) == 1
    assert len(await dispatcher.publish("other-tenant", "escalation.completed", {})) == 0
    await receiver.wait_for(1)
    assert json.loads(receiver.received[0][1])["type"] == "escalation.completed"
    assert (await settled(http, fast_server, endpoint["id"]))["status"] == "delivered"


async def test_test_message_reaches_the_endpoint(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = await subscribe(http, fast_server, receiver.url)
    token = await login(http, fast_server, "admin@demo.coview", "coview-admin")
    async with http.post(
        f"{fast_server.url}/api/admin/webhooks/{endpoint['id']}/test", headers=bearer(token)
    ) as r:
        assert r.status == 202
    await receiver.wait_for(1)
    assert json.loads(receiver.received[0][1])["type"] == "webhook.test"


async def test_escalation_events_are_delivered_as_they_happen(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await subscribe(http, fast_server, receiver.url, event_types=["escalation.*"])
    async with http.post(
        f"{fast_server.url}/api/escalations",
        json={"modalities": ["video"], "context": {"page": {"url": "/demo/"}}},
        headers=bearer(fast_server.config.demo_api_key),
    ) as r:
        assert r.status == 201, await r.text()
        esc_id = (await r.json())["escalation"]["id"]
    await receiver.wait_for(2)
    messages = sorted(
        (json.loads(body) for _, body in receiver.received), key=lambda m: m["data"]["event"]["seq"]
    )
    assert [m["type"] for m in messages] == ["escalation.requested", "escalation.queued"]
    assert {m["data"]["escalation"]["id"] for m in messages} == {esc_id}


async def test_a_delivery_claimed_by_a_node_that_died_is_sent_by_another(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    endpoint = await subscribe(http, fast_server, receiver.url)
    store = fast_server.app[STORE]
    now = utcnow()
    await store.save_delivery(
        WebhookDelivery(
            id="msg_orphan",
            tenant_id="demo",
            endpoint_id=endpoint["id"],
            event_type="escalation.queued",
            body="{}",
            next_attempt_at=now + timedelta(seconds=0.3),
            created_at=now,
        )
    )
    # A dead node claimed it (lease 0.5 s) and never sent it.
    claimed = await store.claim_due_deliveries(
        now + timedelta(seconds=1), utcnow() + timedelta(seconds=0.5), 10
    )
    assert [d.id for d in claimed] == ["msg_orphan"]
    await receiver.wait_for(1)
    assert receiver.received[0][0]["webhook-id"] == "msg_orphan"
    assert (await settled(http, fast_server, endpoint["id"]))["status"] == "delivered"


async def test_pending_deliveries_of_a_deleted_endpoint_fail_without_being_sent(
    tmp_path: Path, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    # The retry comes 1 s after the first failure: long enough to delete the endpoint.
    config = make_config(tmp_path, webhook_backoff_s=1.0, webhook_poll_s=0.05)
    async with running_server(config) as server:
        await _deleted_endpoint_scenario(server, http, receiver)


async def _deleted_endpoint_scenario(
    fast_server: RunningServer, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.statuses = [500, 500, 500]
    endpoint = await subscribe(http, fast_server, receiver.url)
    await fast_server.app[WEBHOOKS].publish("demo", "escalation.queued", {})
    await receiver.wait_for(1)
    token = await login(http, fast_server, "admin@demo.coview", "coview-admin")
    async with http.delete(
        f"{fast_server.url}/api/admin/webhooks/{endpoint['id']}", headers=bearer(token)
    ) as r:
        assert r.status == 204
    store = fast_server.app[STORE]
    for _ in range(200):
        log = await store.list_deliveries("demo", endpoint["id"])
        if log and log[0].status != "pending":
            break
        await asyncio.sleep(0.05)
    assert log[0].status == "failed"
    assert [a.error for a in log[0].attempts] == ["HTTP 500", "the endpoint was deleted"]
    assert len(receiver.received) == 1
