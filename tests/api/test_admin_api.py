"""Admin API over real HTTP: sites and agents, validation with named fields, audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer


@pytest.fixture
async def admin(server: RunningServer) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    async with aiohttp.ClientSession() as http:
        token = await login(http, server, server.config.admin_email, server.config.admin_password)
        yield http, token


async def test_admin_creates_a_site_with_a_new_key_and_it_is_audited(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, token = admin
    body = {
        "name": "Store BR",
        "allowed_origins": ["https://Loja.example", "http://127.0.0.1:9000"],
    }
    async with http.post(f"{server.url}/api/admin/sites", json=body, headers=bearer(token)) as r:
        assert r.status == 201
        site = await r.json()
    assert site["allowed_origins"] == ["https://loja.example", "http://127.0.0.1:9000"]
    assert site["site_key"].startswith("sk_")
    stored = await server.app[STORE].get_site_by_key(site["site_key"])
    assert stored is not None and stored.name == "Store BR"
    async with http.get(f"{server.url}/api/admin/audit", headers=bearer(token)) as r:
        audit = await r.json()
    assert audit[0]["action"] == "site.created" and audit[0]["actor_name"] == "Admin"
    assert audit[0]["target_id"] == site["id"]


async def test_rotating_a_site_key_retires_the_old_one(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, token = admin
    old = server.config.demo_site_key
    async with http.put(
        f"{server.url}/api/admin/sites/site_demo", json={"rotate_key": True}, headers=bearer(token)
    ) as r:
        new = (await r.json())["site_key"]
    assert new != old
    assert await server.app[STORE].get_site_by_key(old) is None
    async with http.get(f"{server.url}/api/admin/audit", headers=bearer(token)) as r:
        entry = (await r.json())[0]
    assert entry["changes"] == {"site_key": "(changed)"}  # the key itself is not logged


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "allowed_origins": []}, {"name"}),
        ({"name": "x", "allowed_origins": ["shop.example"]}, {"allowed_origins.0"}),
        ({"name": "x", "allowed_origins": ["https://a.example/path"]}, {"allowed_origins.0"}),
        ({"name": "x", "allowed_origins": ["javascript://x"]}, {"allowed_origins.0"}),
        ({"name": 3}, {"name"}),
    ],
)
async def test_bad_site_fields_are_named_and_nothing_changes(
    server: RunningServer,
    admin: tuple[aiohttp.ClientSession, str],
    body: dict[str, Any],
    fields: set[str],
) -> None:
    http, token = admin
    before = await server.app[STORE].list_sites("demo")
    async with http.post(f"{server.url}/api/admin/sites", json=body, headers=bearer(token)) as r:
        data = await problem(r, 422)
    assert {e["field"] for e in data["errors"]} == fields
    assert await server.app[STORE].list_sites("demo") == before
    assert await server.app[STORE].list_audit("demo") == []


async def test_admin_creates_and_edits_an_agent_who_can_then_log_in(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, token = admin
    body = {
        "email": "Dani@Demo.Coview",
        "name": "Dani",
        "password": "s3cret-pass",
        "skills": ["billing"],
        "languages": ["pt"],
        "capacity": {"chat": 3},
    }
    async with http.post(f"{server.url}/api/admin/agents", json=body, headers=bearer(token)) as r:
        assert r.status == 201
        agent = await r.json()
    assert agent["capacity"] == {"chat": 3, "cobrowse": 2, "video": 1}
    assert "password_hash" not in agent
    await login(http, server, "dani@demo.coview", "s3cret-pass")
    url = f"{server.url}/api/admin/agents/{agent['id']}"
    async with http.put(
        url, json={"role": "supervisor", "skills": ["sales", "billing"]}, headers=bearer(token)
    ) as r:
        updated = await r.json()
    assert updated["role"] == "supervisor" and updated["skills"] == ["billing", "sales"]
    async with http.post(f"{server.url}/api/admin/agents", json=body, headers=bearer(token)) as r:
        await problem(r, 409)
    actions = [e.action for e in await server.app[STORE].list_audit("demo")]
    assert actions == ["agent.updated", "agent.created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capacity": {"video": 99}}, "capacity"),
        ({"capacity": {"phone": 1}}, "capacity"),
        ({"languages": ["spanish"]}, "languages.0"),
        ({"skills": ["Bad Skill"]}, "skills.0"),
        ({"role": "root"}, "role"),
        ({"password": "short"}, "password"),
    ],
)
async def test_bad_agent_fields_are_named(
    server: RunningServer,
    admin: tuple[aiohttp.ClientSession, str],
    body: dict[str, Any],
    field: str,
) -> None:
    http, token = admin
    async with http.put(
        f"{server.url}/api/admin/agents/ag_ana", json=body, headers=bearer(token)
    ) as r:
        data = await problem(r, 422)
    assert [e["field"] for e in data["errors"]] == [field]
    agent = await server.app[STORE].get_agent("ag_ana")
    assert agent is not None and agent.capacity["video"] == 1 and agent.role == "agent"


async def test_only_admins_may_change_settings(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        agent = await login(http, server)
        supervisor = await login(http, server, "sofia@demo.coview")
        async with http.post(
            f"{server.url}/api/admin/sites", json={"name": "x"}, headers=bearer(agent)
        ) as r:
            await problem(r, 403)
        async with http.put(
            f"{server.url}/api/admin/agents/ag_ana",
            json={"role": "admin"},
            headers=bearer(supervisor),
        ) as r:
            await problem(r, 403)
        async with http.get(f"{server.url}/api/admin/agents", headers=bearer(supervisor)) as r:
            assert r.status == 200  # supervisors may read the roster
        async with http.get(f"{server.url}/api/admin/audit") as r:
            await problem(r, 401)


async def test_admin_cannot_demote_themself_and_unknown_ids_are_404(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, token = admin
    async with http.put(
        f"{server.url}/api/admin/agents/ag_admin", json={"role": "agent"}, headers=bearer(token)
    ) as r:
        await problem(r, 409)
    async with http.put(
        f"{server.url}/api/admin/agents/ag_nobody", json={"name": "x"}, headers=bearer(token)
    ) as r:
        await problem(r, 404)
    async with http.put(
        f"{server.url}/api/admin/sites/site_nope", json={"name": "x"}, headers=bearer(token)
    ) as r:
        await problem(r, 404)
