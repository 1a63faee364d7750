"""Redis availability in-process (the real-process fault tests are tests/redis_ha/):
Sentinel settings, and a node whose Redis goes away answers fast with 503 and
Retry-After, says it is not ready, and is ready again by itself when Redis is back."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from server.platform.config import config_from_env
from server.platform.errors import RateLimited
from server.platform.ratelimit import RateLimiter
from store.redis.connection import RedisTarget, parse_sentinels
from tests.redis_ha.topology import RedisNode
from tests.support.api import login, problem
from tests.support.escalations import api_key, body
from tests.support.harness import make_config, running_server
from tests.support.sio import SioPeer

pytestmark = pytest.mark.redis


def test_sentinel_settings_come_from_the_environment() -> None:
    config = config_from_env(
        {
            "COVIEW_STORE": "redis",
            "COVIEW_REDIS_URL": "redis://:pw@ignored:1/3",
            "COVIEW_REDIS_SENTINELS": "10.0.0.1:26379, [::1]:26380,sentinel3",
            "COVIEW_REDIS_SENTINEL_MASTER": "coview",
            "COVIEW_REDIS_WAIT_REPLICAS": "1",
        }
    )
    target = config.redis_target()
    assert target.sentinels == (("10.0.0.1", 26379), ("::1", 26380), ("sentinel3", 26379))
    assert target.sentinel_master == "coview" and target.wait_replicas == 1
    assert "pw" not in target.describe()


@pytest.mark.parametrize(
    "env",
    [
        {"COVIEW_REDIS_SENTINELS": "s1:26379"},
        {"COVIEW_REDIS_SENTINEL_MASTER": "coview"},
    ],
)
def test_sentinels_and_master_name_go_together(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="go together"):
        config_from_env(env)


def test_a_sentinel_address_must_be_host_and_port() -> None:
    with pytest.raises(ValueError, match="host:port"):
        parse_sentinels(("s1:port",))


async def test_a_node_without_redis_answers_503_fast_and_recovers_by_itself(
    tmp_path: Path,
) -> None:
    redis_node = RedisNode(tmp_path / "redis")
    redis_node.start()
    config = make_config(
        tmp_path / "node", store="redis", redis_url=redis_node.url, redis_timeout_s=1.0
    )
    try:
        async with running_server(config) as node, aiohttp.ClientSession() as http:
            call = await SioPeer("/session").connect(node.url, await login(http, node))
            redis_node.kill()
            started = time.monotonic()
            async with http.post(
                f"{node.url}/api/escalations", json=body(), headers=api_key()
            ) as r:
                data = await problem(r, 503)
                assert r.headers["Retry-After"] == "2"
            assert time.monotonic() - started < 1.0  # refused: no waiting for a timeout
            assert data["type"].endswith("/unavailable")
            assert "retry" in data["detail"]
            async with http.get(f"{node.url}/readyz") as r:
                await problem(r, 503)
                assert r.headers["Retry-After"] == "2"
            ack = await call.call("join", {"session_id": "s_any"})
            assert ack == {
                "ok": False,
                "error": {"code": "unavailable", "message": ack["error"]["message"]},
            }

            redis_node.start()
            async with asyncio.timeout(5):
                while True:  # the pub/sub listeners resubscribe every 0.25 s
                    async with http.get(f"{node.url}/readyz") as r:
                        if r.status == 200:
                            break
                    await asyncio.sleep(0.05)
            async with http.post(
                f"{node.url}/api/escalations", json=body(), headers=api_key()
            ) as r:
                assert r.status == 201, await r.text()
            assert (await call.call("join", {"session_id": "s_any"}))["error"]["code"] == (
                "not-found"
            )
            await call.close()
    finally:
        redis_node.stop()


async def test_rate_limits_are_counted_in_redis_across_nodes(redis_url: str) -> None:
    prefix = f"coview-test-{secrets.token_hex(4)}:"
    node_a = RateLimiter(RedisTarget(url=redis_url), prefix)
    node_b = RateLimiter(RedisTarget(url=redis_url), prefix)
    await node_a.hit("2/minute", "login", "203.0.113.9")
    await node_b.hit("2/minute", "login", "203.0.113.9")
    with pytest.raises(RateLimited) as refused:
        await node_a.hit("2/minute", "login", "203.0.113.9")
    assert int(refused.value.headers["Retry-After"]) >= 1
    await node_b.hit("2/minute", "login", "198.51.100.7")  # another client: its own count


async def test_a_hung_redis_costs_its_timeout_and_blocks_nothing_else(tmp_path: Path) -> None:
    """Redis stopped with SIGSTOP (connections open, no answers): a request that needs it
    gets its 503 after ``COVIEW_REDIS_TIMEOUT_S``, and meanwhile the node answers what
    needs no Redis at once: the event loop is never held by the wait."""
    redis_node = RedisNode(tmp_path / "redis")
    redis_node.start()
    config = make_config(
        tmp_path / "node", store="redis", redis_url=redis_node.url, redis_timeout_s=1.0
    )
    assert redis_node.proc is not None
    try:
        async with running_server(config) as node, aiohttp.ClientSession() as http:

            async def create() -> tuple[int, float]:
                started = time.monotonic()
                async with http.post(
                    f"{node.url}/api/escalations", json=body(), headers=api_key()
                ) as r:
                    await r.read()
                    return r.status, time.monotonic() - started

            redis_node.proc.send_signal(signal.SIGSTOP)
            pending = asyncio.create_task(create())
            started = time.monotonic()
            async with http.get(f"{node.url}/healthz") as r:
                assert r.status == 200
            assert time.monotonic() - started < 0.5 and not pending.done()
            status, elapsed = await pending
            assert status == 503 and 0.9 <= elapsed < 2.5, (status, elapsed)
            redis_node.proc.send_signal(signal.SIGCONT)
            status, _ = await create()
            assert status == 201
    finally:
        if redis_node.proc is not None:
            redis_node.proc.send_signal(signal.SIGCONT)
        redis_node.stop()
