"""GET /api/availability and the admin rules API, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from escalation.rules.models import WEEKDAYS
from server.platform.keys import STORE
from store.escalation_models import Escalation, EscalationEvent, EscalationWrite, State
from store.models import utcnow
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer
from tests.support.identity import identity_token

SITE = {"X-Coview-Site-Key": "demo-site-key"}
CLOSED_ALWAYS: dict[str, Any] = {"calendar": {"timezone": "America/Sao_Paulo", "weekly": {}}}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def admin_token(http: aiohttp.ClientSession, server: RunningServer) -> str:
    return await login(http, server, "admin@demo.coview", "coview-admin")


async def set_available(http: aiohttp.ClientSession, server: RunningServer, email: str) -> None:
    token = await login(http, server, email)
    async with http.put(
        f"{server.url}/api/agents/me/presence", json={"status": "available"}, headers=bearer(token)
    ) as r:
        assert r.status == 200


async def availability(
    http: aiohttp.ClientSession, server: RunningServer, token: str | None = None, **query: str
) -> dict[str, Any]:
    headers = {**SITE, **({"X-Coview-Identity": token} if token else {})}
    async with http.get(f"{server.url}/api/availability", params=query, headers=headers) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def test_no_agent_available_hides_the_button_with_a_reason(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    body = await availability(http, server, page="/demo/")
    proactive = body.pop("proactive")  # the demo's rules, evaluated by the widget
    assert [r["id"] for r in proactive] == ["checkout-hesitation", "watch-checkout"]
    assert body == {
        "available": False,
        "modalities": [],
        "estimated_wait_s": None,
        "reason": "no_agents",
        "alternative": "callback",
    }


async def test_available_agent_shows_the_button_with_an_estimated_wait(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await set_available(http, server, "ana@demo.coview")
    body = await availability(http, server, page="/demo/", lang="pt", modality="video")
    assert body["available"] and body["modalities"] == ["video"]
    assert body["estimated_wait_s"] == 0 and body["reason"] is None


async def test_demo_premium_pages_are_for_premium_customers_only(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await set_available(http, server, "ana@demo.coview")
    refused = await availability(http, server, page="http://shop/demo/premium/tv")
    assert (refused["available"], refused["reason"]) == (False, "tier_not_eligible")
    # the demo site verifies identity: a tier in the query is only the browser's word
    claimed = await availability(http, server, page="/demo/premium/tv", tier="premium")
    assert (claimed["available"], claimed["reason"]) == (False, "tier_not_eligible")
    token = await identity_token(server, id="cus_joao", tier="premium")
    allowed = await availability(http, server, token, page="/demo/premium/tv")
    assert allowed["available"]


async def test_language_no_present_agent_speaks_means_no_agents(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await set_available(http, server, "bruno@demo.coview")  # pt, es
    assert (await availability(http, server, lang="en"))["reason"] == "no_agents"
    assert (await availability(http, server, lang="fr"))["reason"] == "language_not_supported"


async def test_availability_needs_a_known_site_key_and_valid_query(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{server.url}/api/availability") as r:
        await problem(r, 401)
    async with http.get(
        f"{server.url}/api/availability", headers={"X-Coview-Site-Key": "nope"}
    ) as r:
        await problem(r, 401)
    async with http.get(
        f"{server.url}/api/availability", params={"modality": "telepathy"}, headers=SITE
    ) as r:
        body = await problem(r, 422)
    assert body["errors"][0]["field"] == "modality"


async def test_admin_reads_and_replaces_the_rules(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token = await admin_token(http, server)
    async with http.get(f"{server.url}/api/admin/rules", headers=bearer(token)) as r:
        seeded = await r.json()
    assert seeded["rules"][0] == {
        "page": "/demo/premium*",
        "show": True,
        "tiers": ["premium"],
        "languages": None,
        "modalities": None,
    }
    async with http.put(
        f"{server.url}/api/admin/rules", json=CLOSED_ALWAYS, headers=bearer(token)
    ) as r:
        assert r.status == 200
        saved = await r.json()
    assert saved["calendar"]["timezone"] == "America/Sao_Paulo"
    await set_available(http, server, "ana@demo.coview")
    assert (await availability(http, server))["reason"] == "closed"


async def test_invalid_rules_get_field_errors_and_change_nothing(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token = await admin_token(http, server)
    bad = {
        "calendar": {
            "timezone": "Mars/Olympus",
            "weekly": {"mon": [{"start": "18:00", "end": "09:00"}]},
            "holidays": [{"date": "2026-02-30"}],
        },
        "modalities": ["smell"],
    }
    async with http.put(f"{server.url}/api/admin/rules", json=bad, headers=bearer(token)) as r:
        body = await problem(r, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"calendar.timezone", "calendar.holidays.0.date", "modalities.0"} <= fields
    assert any(f.startswith("calendar.weekly.mon.0") for f in fields)
    async with http.put(
        f"{server.url}/api/admin/rules", data=b"{not json", headers=bearer(token)
    ) as r:
        await problem(r, 400)
    async with http.get(f"{server.url}/api/admin/rules", headers=bearer(token)) as r:
        assert (await r.json())["calendar"]["timezone"] == "Europe/Madrid"


async def test_only_admins_may_read_or_change_rules(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    supervisor = await login(http, server, "sofia@demo.coview")
    async with http.get(f"{server.url}/api/admin/rules", headers=bearer(supervisor)) as r:
        await problem(r, 403)
    async with http.put(f"{server.url}/api/admin/rules", json={}, headers=SITE) as r:
        await problem(r, 403)
    async with http.get(f"{server.url}/api/admin/rules") as r:
        await problem(r, 401)


async def put_escalation(
    server: RunningServer, esc_id: str, state: State, **timestamps: datetime
) -> None:
    esc = Escalation(
        id=esc_id,
        tenant_id="demo",
        channel="web",
        trigger="customer",
        modalities=["video"],
        session_id="s_" + esc_id,
        state=state,
        seq=1,
        timestamps=timestamps,
    )
    event = EscalationEvent(id=esc_id + "-1", escalation_id=esc_id, seq=1, type=state, actor="test")
    write = EscalationWrite(escalation=esc, expected_seq=0, events=(event,))
    assert await server.app[STORE].write_escalation(write) == "ok"


async def test_estimated_wait_comes_from_the_queue_and_recent_handle_times(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await set_available(http, server, "ana@demo.coview")
    start = utcnow() - timedelta(hours=1)
    for i, minutes in enumerate((2, 4)):  # recent handle times: mean 180 s
        await put_escalation(
            server,
            f"done{i}",
            "completed",
            accepted=start,
            wrap_up=start + timedelta(minutes=minutes),
        )
    for i in range(3):
        await put_escalation(server, f"waiting{i}", "queued")
    body = await availability(http, server, page="/demo/")
    # One free agent takes the first of 3 queued; 2 ahead + this one at 180 s each.
    assert body["available"] and body["estimated_wait_s"] == 540


async def test_holiday_today_and_rules_that_do_not_require_agents(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token = await admin_token(http, server)
    today = utcnow().date().isoformat()  # UTC calendar: today is the local date
    rules = {
        "calendar": {
            "timezone": "UTC",
            "weekly": {d: [{"start": "00:00", "end": "24:00"}] for d in WEEKDAYS},
            "holidays": [{"date": today, "name": "Founders' day"}],
        },
        "require_agents": False,
        "alternative": "leave_message",
    }
    async with http.put(f"{server.url}/api/admin/rules", json=rules, headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
    body = await availability(http, server)
    assert (body["reason"], body["alternative"]) == ("holiday", "leave_message")
    rules["calendar"]["holidays"] = []  # type: ignore[index]
    async with http.put(f"{server.url}/api/admin/rules", json=rules, headers=bearer(token)) as r:
        assert r.status == 200
    open_now = await availability(http, server, modality="cobrowse")
    assert open_now["available"] and open_now["modalities"] == ["cobrowse"]  # nobody present
