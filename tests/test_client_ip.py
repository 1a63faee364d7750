"""Rate limits per client behind a reverse proxy, and no spoofing without one.

A wrong code is 401; the limit (2/minute here) turns the next one into 429."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.harness import make_config, running_server


async def join_statuses(tmp_path: Path, forwarded_for: list[str], **config: object) -> list[int]:
    settings = make_config(tmp_path, join_rate="2/minute", **config)
    statuses = []
    async with running_server(settings) as server, aiohttp.ClientSession() as http:
        for address in forwarded_for:
            async with http.post(
                f"{server.url}/api/join",
                json={"short_code": "000000"},
                headers={"X-Forwarded-For": address},
            ) as r:
                statuses.append(r.status)
    return statuses


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(tmp_path: Path) -> None:
    hops = ["203.0.113.7", "203.0.113.7", "198.51.100.2", "198.51.100.2", "203.0.113.7"]
    statuses = await join_statuses(tmp_path, hops, trusted_proxies=("127.0.0.0/8",))
    assert statuses == [401, 401, 401, 401, 429]


async def test_a_client_cannot_forge_its_way_past_the_proxy(tmp_path: Path) -> None:
    # The proxy appends the address it saw; only the rightmost untrusted hop counts.
    hops = ["1.1.1.1, 203.0.113.7", "2.2.2.2, 203.0.113.7", "3.3.3.3, 203.0.113.7"]
    statuses = await join_statuses(tmp_path, hops, trusted_proxies=("127.0.0.1",))
    assert statuses == [401, 401, 429]


async def test_without_trusted_proxies_the_header_is_ignored(tmp_path: Path) -> None:
    hops = ["203.0.113.7", "198.51.100.2", "192.0.2.1"]
    assert await join_statuses(tmp_path, hops) == [401, 401, 429]
