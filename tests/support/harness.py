"""Helpers shared by the test tiers: configs, servers on free ports, a redis-server."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import redis
from aiohttp import web

from server.app import create_app
from server.platform.config import Config

TEST_SECRET = "test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_config(data_dir: Path, **overrides: Any) -> Config:
    """A config for tests: fast password hashing, generous rate limits, no public STUN."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": free_port(),
        "data_dir": data_dir,
        "secret": TEST_SECRET,
        "password_memory_kib": 1024,
        "login_rate": "1000/minute",
        "join_rate": "1000/minute",
        "join_code_client_failures": "1000/minute",
        "join_code_failure_budget": "1000/minute",
        "conversation_rate": "1000/minute",
        "redis_prefix": f"coview-test-{secrets.token_hex(4)}:",
        # webhook and bot receivers of the tests listen on loopback (tests/support/receivers.py)
        "outbound_allow": ("127.0.0.1/32", "::1/128"),
        # A test box shared by many processes may starve Redis and the node of CPU for
        # seconds; only the outage tests want the production bound (they set theirs).
        "redis_timeout_s": 10.0,
        # No background retention purge: test data is dated freely (old sidecars) and a
        # purge a minute in would race with long tests; its tests turn it on.
        "purge_interval_s": 0.0,
    }
    values.update(overrides)
    return Config(**values)


class Served(Protocol):
    """Anything with a base URL: an in-process server or a ``coview serve`` process."""

    @property
    def url(self) -> str: ...


@dataclass
class RunningServer:
    app: web.Application
    runner: web.AppRunner
    config: Config

    @property
    def url(self) -> str:
        return self.config.base_url


@contextlib.asynccontextmanager
async def running_server(config: Config) -> AsyncIterator[RunningServer]:
    """create_app(config) served on its port until the block ends."""
    app = create_app(config)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    try:
        yield RunningServer(app, runner, config)
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free port (the binary must be installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `make test` (it installs it)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="coview-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        _wait_for_redis(url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_redis(url: str, attempts: int = 200) -> None:
    client = redis.Redis.from_url(url)
    try:
        for _ in range(attempts):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.025)
        raise RuntimeError(f"redis-server at {url} did not start")
    finally:
        client.close()
