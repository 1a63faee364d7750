"""Retention: per-organisation periods (validated, audited) and the purge job, on both
stores, with the purge's clock moved by the test (no sleeps)."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from server.retention.purge import LAST_REPORT, PURGER
from store.audit_models import AuditFilter
from store.models import utcnow
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer, make_config, running_server
from tests.support.privacy_helpers import http, node
from tests.support.retention_helpers import purge_now, seed, set_policy

__all__ = ["http", "node"]

POLICY = {
    "call_recordings_days": 30,
    "cobrowse_recordings_days": 30,
    "transcripts_days": 60,
    "consents_days": 60,
    "audit_days": 90,
    "webhook_deliveries_days": 7,
}


async def retention(http: aiohttp.ClientSession, server: RunningServer, token: str) -> Any:
    async with http.get(f"{server.url}/api/admin/settings/retention", headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_defaults_then_a_change_is_saved_and_audited(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, node, node.config.admin_email, node.config.admin_password)
    got = await retention(http, node, admin)
    assert got["call_recordings_days"] == 90 and got["consents_days"] == 1825
    assert got["defaults"]["audit_days"] == 730
    response = await set_policy(http, node, admin, **POLICY)
    assert response.status == 200
    got = await retention(http, node, admin)
    assert {k: got[k] for k in POLICY} == POLICY
    [event] = await node.app[STORE].query_audit("demo", AuditFilter(action="retention.updated"))
    assert event.actor_name and event.changes["call_recordings_days"] == {"from": 90, "to": 30}
    assert "audit_days" in event.changes


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**POLICY, "audit_days": "90"}, "audit_days"),  # a string is not a number
        ({**POLICY, "audit_days": 90.0}, "audit_days"),
        ({**POLICY, "call_recordings_days": 0}, "call_recordings_days"),
        ({**POLICY, "transcripts_days": 3651}, "transcripts_days"),
        ({**POLICY, "audit_days": 7}, "audit_days"),  # an audit log needs a month at least
        ({**POLICY, "consents_days": 10}, "consents_days"),  # shorter than what they cover
        ({"cobrowse_recordings_days": 3000}, "consents_days"),  # longer than the default
        ({**POLICY, "keep_forever": True}, "keep_forever"),
        ([1, 2], "(body)"),
    ],
)
async def test_bad_periods_are_problems_and_change_nothing(
    node: RunningServer, http: aiohttp.ClientSession, body: Any, field: str
) -> None:
    admin = await login(http, node, node.config.admin_email, node.config.admin_password)
    async with http.put(
        f"{node.url}/api/admin/settings/retention", json=body, headers=bearer(admin)
    ) as r:
        found = await problem(r, 422)
    assert field in [e["field"] for e in found["errors"]], found
    assert (await retention(http, node, admin))["call_recordings_days"] == 90
    assert await node.app[STORE].list_audit("demo") == []


async def test_malformed_json_and_non_admins_are_refused(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, node, node.config.admin_email, node.config.admin_password)
    async with http.put(
        f"{node.url}/api/admin/settings/retention",
        data=b"{not json",
        headers={**bearer(admin), "Content-Type": "application/json"},
    ) as r:
        await problem(r, 400)
    sofia = await login(http, node, "sofia@demo.coview")  # a supervisor
    async with http.put(
        f"{node.url}/api/admin/settings/retention", json=POLICY, headers=bearer(sofia)
    ) as r:
        await problem(r, 403)
    for method in ("GET", "POST"):
        async with http.request(
            method, f"{node.url}/api/admin/retention/purge", headers=bearer(sofia)
        ) as r:
            await problem(r, 403)
    async with http.post(f"{node.url}/api/admin/retention/purge") as r:
        await problem(r, 401)


def exists(paths: list[str]) -> list[bool]:
    return [os.path.exists(p) for p in paths]


async def test_the_purge_removes_what_is_older_than_the_policy_and_keeps_the_rest(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, node, node.config.admin_email, node.config.admin_password)
    assert (await set_policy(http, node, admin, **POLICY)).status == 200
    seeded = await seed(node, copies=2)
    store, purger = node.app[STORE], node.app[PURGER]
    now = utcnow()

    async def purge_at(days: float) -> dict[str, int]:
        purger.clock = lambda: now + timedelta(days=days)
        response = await purge_now(http, node, admin)
        assert response.status == 200
        report: dict[str, Any] = await response.json()
        assert report["trigger"] == "admin" and report["policy"] == POLICY
        removed: dict[str, int] = report["removed"]
        return removed

    # 5 days on: nothing is old enough yet
    assert sum((await purge_at(5)).values()) == 0
    assert all(exists(seeded.files["call_recordings"]))
    # 8 days: webhook payloads (7 days) go, nothing else
    removed = await purge_at(8)
    assert removed["webhook_deliveries"] == 2 and sum(removed.values()) == 2
    assert [await store.get_delivery(d) for d in seeded.deliveries] == [None, None]
    # 31 days: the files (30 days) go; transcripts, consents and audit stay
    removed = await purge_at(31)
    assert removed["call_recordings"] == 2
    assert removed["cobrowse_recordings"] == 2
    assert removed["snapshots"] == 2
    assert removed["escalations"] == removed["consents"] == removed["audit_entries"] == 0
    for kind in ("call_recordings", "cobrowse_recordings", "snapshots"):
        assert exists(seeded.files[kind]) == [False, False], kind
    sidecars = [w.replace(".webm", ".json") for w in seeded.files["call_recordings"]]
    assert exists(sidecars) == [False, False]  # the sidecars too
    assert all([await store.get_escalation(e) for e in seeded.escalations])
    # 61 days: escalations with their chats, and the sessions' consents
    removed = await purge_at(61)
    assert removed["escalations"] == 2 and removed["conversations"] == 2
    assert removed["consents"] == 2 and removed["audit_entries"] == 0
    for esc_id, conversation_id, session_id in zip(
        seeded.escalations, seeded.conversations, seeded.sessions, strict=True
    ):
        assert await store.get_escalation(esc_id) is None
        assert await store.get_conversation(conversation_id) is None
        assert await store.list_messages(conversation_id) == []
        assert await store.list_consents(session_id) == []
    # 91 days: the audit entries written up to now (the seeded ones, the policy
    # change and the purges' own entries: those of this run are written after it)
    removed = await purge_at(91)
    assert removed["audit_entries"] >= 3
    left = await store.list_audit("demo")
    assert [e.action for e in left] == ["retention.purged"]
    # and again: idempotent; only the previous run's own audit entry is old enough now
    again = await purge_at(91)
    assert again.pop("audit_entries") == 1
    assert sum(again.values()) == 0


async def test_the_last_report_is_shown_and_each_run_audited(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, node, node.config.admin_email, node.config.admin_password)
    async with http.get(f"{node.url}/api/admin/retention/purge", headers=bearer(admin)) as r:
        assert (await r.json())["last"] is None
    await seed(node)
    node.app[PURGER].clock = lambda: utcnow() + timedelta(days=100)
    response = await purge_now(http, node, admin)
    report = await response.json()
    assert report["removed"]["call_recordings"] == 1
    async with http.get(f"{node.url}/api/admin/retention/purge", headers=bearer(admin)) as r:
        shown = await r.json()
    assert shown["last"] == report
    assert shown["interval_s"] == node.config.purge_interval_s
    [event] = await node.app[STORE].query_audit("demo", AuditFilter(action="retention.purged"))
    assert event.changes["removed"] == report["removed"]
    assert event.actor_name == "Admin"  # who asked for it


async def test_the_background_loop_purges_on_its_own_and_stops_with_the_app(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, purge_interval_s=0.05)
    async with running_server(config) as server:
        purger = server.app[PURGER]
        # past every period but the audit log's, which keeps the runs' own entries
        await server.app[STORE].put_setting("demo", "retention", {"audit_days": 3650})
        purger.clock = lambda: utcnow() + timedelta(days=2000)
        seeded = await seed(server)
        for _ in range(2):  # a whole pass that began after the seeding
            purger.passed.clear()
            await asyncio.wait_for(purger.passed.wait(), 30)
        assert exists(seeded.files["call_recordings"]) == [False]
        assert await server.app[STORE].get_escalation(seeded.escalations[0]) is None
        report = await server.app[STORE].get_setting("demo", LAST_REPORT)
        assert report is not None and report["trigger"] == "schedule"
        events = await server.app[STORE].query_audit("demo", AuditFilter(action="retention.purged"))
        assert {e.actor_id for e in events} == {"system:retention"}
        assert sum(e.changes["removed"]["call_recordings"] for e in events) == 1
        loop = purger.loop
        assert loop is not None and not loop.done()
    assert loop.done()  # the app stopped: its loop with it


async def test_two_purges_asked_of_one_node_at_once_remove_each_item_once(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = await login(http, node, node.config.admin_email, node.config.admin_password)
    await seed(node, copies=3)
    node.app[PURGER].clock = lambda: utcnow() + timedelta(days=400)  # files, chats, webhooks
    responses = await asyncio.gather(*(purge_now(http, node, admin) for _ in range(2)))
    assert sorted(r.status for r in responses) in ([200, 200], [200, 409])
    total = [0] * 3
    for response in responses:
        if response.status == 200:
            removed = (await response.json())["removed"]
            total[0] += removed["call_recordings"]
            total[1] += removed["escalations"]
            total[2] += removed["webhook_deliveries"]
    assert total == [3, 3, 3]
