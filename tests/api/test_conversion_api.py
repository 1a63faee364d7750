"""coview.track over real HTTP: purchases kept once per order id, attribution (assisted
within the tenant's window, invited apart, unassisted), the conversion figures, the
purchase.attributed webhook, and the admin API of proactive rules (validated, audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from store.escalation_models import Context, Escalation, EscalationEvent, EscalationWrite
from store.models import utcnow
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer

VISITOR = "visitor-0001"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def site(server: RunningServer) -> dict[str, str]:
    return {"X-Coview-Site-Key": "demo-site-key", "Origin": server.url}


async def track(
    http: aiohttp.ClientSession, server: RunningServer, status: int, **fields: Any
) -> dict[str, Any]:
    payload = {"event": "purchase", "visitor_id": VISITOR, "currency": "EUR", **fields}
    async with http.post(f"{server.url}/api/track", json=payload, headers=site(server)) as r:
        assert r.status == status, await r.text()
        return await r.json() if status in (200, 201) else {}


async def helped(
    server: RunningServer, esc_id: str, visitor: str, accepted: datetime, modality: str = "video"
) -> None:
    """A session an agent accepted (and completed 5 minutes later) for ``visitor``."""
    esc = Escalation(
        id=esc_id,
        tenant_id="demo",
        channel="web",
        trigger="proactive",
        modalities=[modality],
        session_id="s_" + esc_id,
        state="completed",
        agent_id="ag_ana",
        context=Context(
            attributes={"visitor_id": visitor, "proactive_rule": "checkout-hesitation"}
        ),
        seq=1,
        timestamps={"accepted": accepted, "completed": accepted + timedelta(minutes=5)},
    )
    event = EscalationEvent(
        id=esc_id + "-1", escalation_id=esc_id, seq=1, type="completed", actor="t"
    )
    write = EscalationWrite(escalation=esc, expected_seq=0, events=(event,))
    assert await server.app[STORE].write_escalation(write) == "ok"


async def figures(http: aiohttp.ClientSession, server: RunningServer) -> dict[str, Any]:
    token = await login(http, server, "sofia@demo.coview")
    async with http.get(f"{server.url}/api/metrics/conversion", headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def test_a_purchase_after_help_is_assisted_once_per_order_id(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await helped(server, "e_help", VISITOR, utcnow() - timedelta(hours=2), "cobrowse")
    first = await track(http, server, 201, order_id="A-1", total=700.0)
    assert first == {"order_id": "A-1", "attribution": "assisted", "duplicate": False}
    again = await track(http, server, 200, order_id="A-1", total=1.0)  # a retried report
    assert again == {"order_id": "A-1", "attribution": "assisted", "duplicate": True}
    kept = await server.app[STORE].get_purchase("demo", "A-1")
    assert kept is not None and kept.total == 700.0 and kept.escalation_id == "e_help"
    assert (kept.trigger, kept.modality, kept.rule_id) == (
        "proactive",
        "cobrowse",
        "checkout-hesitation",
    )
    body = await figures(http, server)
    assert body["assisted"]["purchases"] == 1 and body["assisted"]["revenue"] == 700.0
    assert body["assisted"]["aov"] == 700.0 and body["assisted"]["sessions"] == 1
    assert body["agent_hours"] == pytest.approx(5 / 60, abs=1e-3)
    assert body["revenue_per_agent_hour"] == pytest.approx(8400.0, rel=1e-2)
    assert body["by_modality"]["cobrowse"]["purchases"] == 1
    assert body["by_trigger"]["proactive"]["conversion_rate"] == 1.0


async def test_help_outside_the_window_or_to_another_browser_does_not_count(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await helped(server, "e_old", VISITOR, utcnow() - timedelta(hours=30))  # window: 24 h
    await helped(server, "e_other", "someone-else-01", utcnow() - timedelta(hours=1))
    answer = await track(http, server, 201, order_id="B-1", total=20.5)
    assert answer["attribution"] == "unassisted"
    body = await figures(http, server)
    assert body["not_helped"]["purchases"] == 1 and body["not_helped"]["revenue"] == 20.5
    assert body["assisted"]["purchases"] == 0


async def test_a_purchase_after_a_dismissed_invitation_counts_apart_and_is_announced(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, server, "admin@demo.coview", "coview-admin")
    hook = {"url": "https://hooks.example.com/coview", "event_types": ["purchase.*"]}
    async with http.post(f"{server.url}/api/admin/webhooks", json=hook, headers=bearer(admin)) as r:
        assert r.status == 201, await r.text()
    for outcome in ("shown", "dismissed"):
        event = {"visitor_id": VISITOR, "rule_id": "checkout-hesitation", "outcome": outcome}
        async with http.post(
            f"{server.url}/api/proactive/events", json=event, headers=site(server)
        ) as r:
            assert r.status == 204, await r.text()
    answer = await track(http, server, 201, order_id="C-1", total=99.0)
    assert answer["attribution"] == "invited"
    body = await figures(http, server)
    assert body["invited"]["purchases"] == 1 and body["invited"]["dismissed"] == 1
    deliveries = await server.app[STORE].list_deliveries("demo")
    assert [d.event_type for d in deliveries] == ["purchase.attributed"]
    assert '"order_id":"C-1"' in deliveries[0].body and '"invited"' in deliveries[0].body


@pytest.mark.parametrize(
    "fields",
    [
        {"order_id": "D-1", "total": 10.0, "currency": None},
        {"order_id": None, "total": 10.0},
        {"order_id": "D-1", "total": -5},
        {"order_id": "D-1", "total": "10"},
        {"order_id": "x" * 101, "total": 10.0},
        {"order_id": "D-1", "total": 10.0, "visitor_id": "<b>"},
        {"event": "checkout_step"},
        {"event": "refund", "order_id": "D-1", "total": 10.0},
    ],
)
async def test_bad_track_reports_are_refused_and_change_nothing(
    server: RunningServer, http: aiohttp.ClientSession, fields: dict[str, Any]
) -> None:
    payload = {"event": "purchase", "visitor_id": VISITOR, "currency": "EUR", **fields}
    async with http.post(f"{server.url}/api/track", json=payload, headers=site(server)) as r:
        await problem(r, 422)
    assert await server.app[STORE].get_purchase("demo", "D-1") is None


async def test_admin_manages_proactive_rules_validated_and_audited(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, server, "admin@demo.coview", "coview-admin")
    url = f"{server.url}/api/admin/proactive-rules"
    rule = {
        "id": "payment-failed",
        "name": "Payment failed",
        "signal": "payment_failed",
        "modalities": ["chat", "video"],
        "text": {"es": "¿Problemas con el pago?", "en": "Trouble paying?"},
    }
    async with http.post(url, json=rule, headers=bearer(admin)) as r:
        assert r.status == 201, await r.text()
    async with http.post(url, json=rule, headers=bearer(admin)) as r:
        await problem(r, 409)
    for bad in (
        {**rule, "id": "Bad Id"},
        {**rule, "modalities": ["fax"]},
        {**rule, "text": {"en": ""}},
        {**rule, "max_wait_s": -1},
        {**rule, "extra": 1},
    ):
        async with http.put(f"{url}/payment-failed", json=bad, headers=bearer(admin)) as r:
            await problem(r, 422)
    async with http.put(f"{url}/nope", json={**rule, "id": "nope"}, headers=bearer(admin)) as r:
        await problem(r, 404)
    async with http.put(
        f"{url}/payment-failed", json={**rule, "max_wait_s": 30}, headers=bearer(admin)
    ) as r:
        assert r.status == 200
    async with http.get(url, headers=bearer(admin)) as r:
        ids = {x["id"]: x for x in (await r.json())["rules"]}
    assert ids["payment-failed"]["max_wait_s"] == 30 and "checkout-hesitation" in ids
    async with http.get(
        f"{server.url}/api/availability",
        params={"page": "/demo/", "lang": "es"},
        headers=site(server),
    ) as r:
        public = {x["id"]: x for x in (await r.json())["proactive"]}
    assert public["payment-failed"]["text"] == "¿Problemas con el pago?"
    assert "max_wait_s" not in public["payment-failed"]  # staffing stays on the server
    async with http.delete(f"{url}/payment-failed", headers=bearer(admin)) as r:
        assert r.status == 204
    supervisor = await login(http, server, "sofia@demo.coview")
    async with http.post(url, json=rule, headers=bearer(supervisor)) as r:
        await problem(r, 403)
    events = await server.app[STORE].list_audit("demo", limit=20)
    actions = [e.action for e in events if e.target_type == "proactive_rule"]
    assert sorted(actions) == [
        "proactive_rule.created",
        "proactive_rule.deleted",
        "proactive_rule.updated",
    ]
