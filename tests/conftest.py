"""Fixtures for every test tier (see DESIGN.md §7)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.platform.config import Config
from store.base import Store
from store.redis import RedisStore
from store.sqlite import SqliteStore
from tests.support.csp_watch import CspWatch, WatchedBrowser
from tests.support.harness import RunningServer, make_config, redis_server, running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--allow-loopback-in-peer-connection",
    "--auto-select-desktop-capture-source=Entire screen",
]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """COVIEW_TEST_REDIS_URL, or a redis-server of our own on a free port."""
    given = os.environ.get("COVIEW_TEST_REDIS_URL")
    if given:
        yield given
        return
    with redis_server() as url:
        yield url


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each contract test runs once per backend."""
    backend: Store
    if request.param == "sqlite":
        backend = SqliteStore(tmp_path / "test.sqlite3")
    else:
        url = request.getfixturevalue("redis_url")
        backend = RedisStore(url, prefix=make_config(tmp_path).redis_prefix)
    await backend.open()
    yield backend
    await backend.close()


@pytest.fixture
async def server(config: Config) -> AsyncIterator[RunningServer]:
    """One node on the embedded SQLite store, seeded with the demo organisation."""
    async with running_server(config) as running:
        yield running


@pytest.fixture
async def two_nodes(
    tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    """Two app instances on one real redis-server, as behind a load balancer."""
    prefix = f"coview-test-{secrets.token_hex(4)}:"
    common = {"store": "redis", "redis_url": redis_url, "redis_prefix": prefix}
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(running_server(make_config(tmp_path / "a", **common)))
        b = await stack.enter_async_context(
            running_server(make_config(tmp_path / "b", **common, seed_demo=False))
        )
        yield a, b


@pytest.fixture
async def browser(chromium: Any) -> AsyncIterator[Any]:
    """The shared Chromium; the test fails if a page it opened broke the
    Content-Security-Policy (tests/support/csp_watch.py)."""
    watch = CspWatch()
    yield WatchedBrowser(chromium, watch)
    assert not watch.violations, f"Content-Security-Policy violations: {watch.violations}"


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    """One real Chromium for the whole run (Debian's package, driven by Playwright)."""
    from playwright.async_api import async_playwright

    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per run)
        pytest.fail("chromium is not installed: run `make test` (it installs it)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()
