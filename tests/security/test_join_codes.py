"""Attack: guess 6-digit join codes from many addresses (the per-address limit alone
let a few hundred addresses sweep the million codes in hours). Now wrong codes draw
on a per-address limit and on one budget shared by the whole deployment (all nodes):
past it, codes pause for everyone, links keep working, and every failure is logged
and counted in /api/metrics."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from store.models import Invite
from tests.support.api import bearer, invite_for, login, open_session, problem
from tests.support.browser_helpers import new_page, shoot
from tests.support.harness import RunningServer, make_config, running_server


@contextlib.asynccontextmanager
async def server_with(tmp_path: Path, **overrides: Any) -> AsyncIterator[RunningServer]:
    # Requests come "through a proxy" on loopback, so each can claim its own client.
    config = make_config(tmp_path, trusted_proxies=("127.0.0.1/32",), **overrides)
    async with running_server(config) as server:
        yield server


async def join(
    http: aiohttp.ClientSession, server: RunningServer, body: dict[str, str], client: str
) -> aiohttp.ClientResponse:
    async with http.post(
        f"{server.url}/api/join", json=body, headers={"X-Forwarded-For": client}
    ) as r:
        await r.read()
        return r


def wrong_code(invite: Invite) -> str:
    return f"{(int(invite.short_code) + 1) % 1_000_000:06d}"


async def test_the_global_budget_pauses_codes_for_everyone_but_not_links(
    tmp_path: Path, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    async with server_with(tmp_path, join_code_failure_budget="5/minute") as server:
        session = await open_session(server)
        invite = await invite_for(server, session)
        with caplog.at_level(logging.WARNING, logger="coview.join"):
            for n in range(5):  # five guessers, one wrong code each
                r = await join(http, server, {"short_code": wrong_code(invite)}, f"198.51.100.{n}")
                assert r.status == 401
        assert sum("wrong join code from 198.51.100." in m for m in caplog.messages) == 5
        # Budget spent: even the right code, from a new address, is refused for now...
        async with http.post(
            f"{server.url}/api/join",
            json={"short_code": invite.short_code},
            headers={"X-Forwarded-For": "203.0.113.9"},
        ) as r:
            data = await problem(r, 429)
            assert data["type"].endswith("/codes-paused") and "full link" in data["detail"]
            assert int(r.headers["Retry-After"]) >= 1
        # ...and was not spent: the code is still live, and the full link works.
        second = await invite_for(server, session)
        r = await join(http, server, {"invite": second.id}, "203.0.113.9")
        assert r.status == 200
        token = await login(http, server, "sofia@demo.coview")
        async with http.get(f"{server.url}/api/metrics", headers=bearer(token)) as r:
            metrics = await r.json()
        assert metrics["join_codes"] == {"failed": 5, "budget": "5/minute", "paused": True}


async def test_one_address_runs_out_of_guesses_and_a_code_is_single_use(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with server_with(tmp_path, join_code_client_failures="3/hour") as server:
        invite = await invite_for(server, await open_session(server))
        for _ in range(3):
            r = await join(http, server, {"short_code": wrong_code(invite)}, "198.51.100.1")
            assert r.status == 401
        r = await join(http, server, {"short_code": invite.short_code}, "198.51.100.1")
        assert r.status == 429  # this address is done guessing, right code or not
        r = await join(http, server, {"short_code": invite.short_code}, "198.51.100.2")
        assert r.status == 200
        r = await join(http, server, {"short_code": invite.short_code}, "198.51.100.3")
        assert r.status == 401  # single use


@pytest.mark.redis
async def test_the_budget_is_shared_by_every_node(
    tmp_path: Path, redis_url: str, http: aiohttp.ClientSession
) -> None:
    common: dict[str, Any] = {
        "store": "redis",
        "redis_url": redis_url,
        "redis_prefix": f"coview-test-{secrets.token_hex(4)}:",
        "join_code_failure_budget": "4/minute",
    }
    async with (
        server_with(tmp_path / "a", **common) as a,
        server_with(tmp_path / "b", **common, seed_demo=False) as b,
    ):
        invite = await invite_for(a, await open_session(a))
        for n, node in enumerate((a, b, a, b)):
            r = await join(http, node, {"short_code": wrong_code(invite)}, f"198.51.100.{n}")
            assert r.status == 401
        for node in (a, b):
            r = await join(http, node, {"short_code": invite.short_code}, "203.0.113.1")
            assert r.status == 429


@pytest.mark.browser
async def test_the_join_form_asks_for_the_full_link_while_codes_are_paused(
    tmp_path: Path, browser: Any
) -> None:
    async with (
        server_with(tmp_path, join_code_failure_budget="1/minute") as server,
        new_page(browser) as page,
    ):
        await page.goto(f"{server.url}/join?lang=en")
        await page.get_by_label("Code").fill("000001")
        await page.get_by_role("button", name="Join").click()
        await page.get_by_text("That code is not valid any more").wait_for()
        await page.get_by_label("Code").fill("000002")
        await page.get_by_role("button", name="Join").click()
        await page.get_by_text("open the full link your agent sent you").wait_for()
        await shoot(page, "security-join-codes-paused")
