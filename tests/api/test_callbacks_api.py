"""Callback requests over real HTTP: the widget leaves one with the site key, agents
list and close them; every bad input is a problem and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer

SITE = {"X-Coview-Site-Key": "demo-site-key"}
GOOD = {"name": "Jane Doe", "phone": "+1 (555) 010-2030", "reason": "closed"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(http: aiohttp.ClientSession, server: RunningServer, body: Any) -> Any:
    async with http.post(f"{server.url}/api/callbacks", json=body, headers=SITE) as r:
        return r.status, await r.json()


async def test_widget_leaves_a_callback_and_an_agent_closes_it(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    status, created = await post(http, server, {**GOOD, "preferred_time": "after 6 pm"})
    assert status == 201 and created["status"] == "open" and created["tenant_id"] == "demo"
    ana = await login(http, server)
    async with http.get(f"{server.url}/api/callbacks?status=open", headers=bearer(ana)) as r:
        listed = await r.json()
    assert [(c["name"], c["preferred_time"]) for c in listed] == [("Jane Doe", "after 6 pm")]
    url = f"{server.url}/api/callbacks/{created['id']}/done"
    async with http.post(url, headers=bearer(ana)) as r:
        assert (await r.json())["done_by"] == "ag_ana"
    async with http.post(url, headers=bearer(ana)) as r:
        await problem(r, 409)
    assert await server.app[STORE].list_callbacks("demo", "open") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "phone": "call me"}, "phone"),
        ({**GOOD, "name": ""}, "name"),
        ({**GOOD, "reason": "because"}, "reason"),
        ({**GOOD, "extra": 1}, "extra"),
    ],
)
async def test_bad_callback_requests_are_refused(
    server: RunningServer, http: aiohttp.ClientSession, body: Any, field: str
) -> None:
    status, found = await post(http, server, body)
    assert status == 422 and field in [e["field"] for e in found["errors"]]
    assert await server.app[STORE].list_callbacks("demo") == []


async def test_callbacks_need_the_right_credentials(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{server.url}/api/callbacks", json=GOOD) as r:
        await problem(r, 401)
    async with http.get(f"{server.url}/api/callbacks", headers=SITE) as r:
        assert r.status in (401, 403)
    ana = await login(http, server)
    async with http.post(f"{server.url}/api/callbacks/cb_nope/done", headers=bearer(ana)) as r:
        await problem(r, 404)
