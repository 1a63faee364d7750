"""Fixtures of the fault tier: two ``coview serve`` processes on the shared
redis-server behind a proxy the test controls, and a loopback HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.faults.cluster import Node, nodes, pair_env
from tests.faults.proxy import TcpProxy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in item.nodeid:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.redis)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def pair(
    tmp_path: Path, redis_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Node, Node, TcpProxy]]:
    """Nodes a and b on one redis-server, and a proxy that sends clients to a while
    it is up and to b otherwise. Extra settings: ``@pytest.mark.node_env(KEY=value)``."""
    marker = request.node.get_closest_marker("node_env")
    extra: dict[str, str] = dict(marker.kwargs) if marker else {}
    async with nodes(tmp_path, pair_env(redis_url, **extra)) as started:
        a, b = started["a"], started["b"]
        proxy = await TcpProxy([a.port, b.port]).start()
        try:
            yield a, b, proxy
        finally:
            await proxy.close()
            # pytest shows captured output only when the test failed
            print(f"--- node a log ---\n{a.log_tail()}\n--- node b log ---\n{b.log_tail()}")
