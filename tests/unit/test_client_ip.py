"""Rate limits per client behind a reverse proxy, and no spoofing without one.

A wrong code is 401; the limit (2/minute here) turns the next one into 429."""

from __future__ import annotations

import logging
from pathlib import Path
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from server.platform.keys import CONFIG
from server.platform.logsetup import AccessLogger
from tests.support.harness import make_config, running_server


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


def test_the_access_log_names_the_client_not_the_proxy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    app[CONFIG] = make_config(tmp_path, trusted_proxies=("127.0.0.1",))
    transport = mock.Mock()
    transport.get_extra_info.return_value = ("127.0.0.1", 40000)
    request = make_mocked_request(
        "GET", "/healthz", headers={"X-Forwarded-For": "203.0.113.7"}, app=app, transport=transport
    )
    logger = logging.getLogger("coview.test.access")
    with caplog.at_level(logging.INFO, logger=logger.name):
        AccessLogger(logger, "").log(request, web.Response(status=204), 0.001)
    assert [getattr(r, "remote", None) for r in caplog.records] == ["203.0.113.7"]
