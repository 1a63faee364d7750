"""Every bad input gets an RFC 7807 problem, and changes nothing."""

from __future__ import annotations

import aiohttp

from server.platform.keys import STORE
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer


async def test_unknown_route_is_404_problem(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/api/nothing-here") as r:
        data = await problem(r, 404)
    assert data["type"].endswith("/not-found")


async def test_wrong_method_is_405_problem_with_allow(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, http.delete(f"{server.url}/api/auth/login") as r:
        await problem(r, 405)
        assert "POST" in r.headers["Allow"]


async def test_malformed_json_is_400(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.url}/api/auth/login",
            data=b'{"email": ',
            headers={"Content-Type": "application/json"},
        ) as r,
    ):
        data = await problem(r, 400)
    assert "malformed JSON" in data["detail"]


async def test_wrong_types_list_each_field(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.url}/api/auth/login", json={"email": 5, "password": ["x"], "extra": True}
        ) as r,
    ):
        data = await problem(r, 422)
    assert {e["field"] for e in data["errors"]} == {"email", "password", "extra"}


async def test_json_that_is_not_an_object_is_422(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/api/auth/login", json=[1, 2]) as r,
    ):
        await problem(r, 422)


async def test_oversize_body_is_413_and_changes_nothing(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        token = await login(http, server)
        huge = b'{"status": "away", "pad": "' + b"x" * (server.config.max_body_bytes + 10) + b'"}'
        async with http.put(
            f"{server.url}/api/agents/me/presence", data=huge, headers=bearer(token)
        ) as r:
            await problem(r, 413)
    agent = await server.app[STORE].get_agent("ag_ana")
    assert agent is not None and agent.presence == "offline"


async def test_health_and_readiness(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/healthz") as r:
            assert (await r.json()) == {"status": "ok"}
        async with http.get(f"{server.url}/readyz") as r:
            assert (await r.json()) == {"status": "ready"}


async def test_readiness_fails_when_the_store_is_down(server: RunningServer) -> None:
    await server.app[STORE].close()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/readyz") as r:
            await problem(r, 503)
    finally:
        await server.app[STORE].open()


async def test_static_files_are_cached_by_version(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/static/css/app.css?v=abc") as r:
            assert r.status == 200
            assert "immutable" in r.headers["Cache-Control"]
        async with http.get(f"{server.url}/static/css/app.css") as r:
            assert "must-revalidate" in r.headers["Cache-Control"]
        async with http.get(f"{server.url}/static/../server/config.py") as r:
            assert r.status in (403, 404)
