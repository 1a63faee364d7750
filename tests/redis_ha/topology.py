"""Real processes on loopback for the Redis availability tests: redis-server (AOF on),
a replica, Sentinels (``redis-server --sentinel``, the same binary) and ``coview serve``
nodes. Every wait is bounded; every process is stopped when its block ends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis
import redis.asyncio as aioredis

from tests.support.harness import TEST_SECRET, free_port

REPO = Path(__file__).resolve().parents[2]
MASTER_NAME = "coview"
PASSWORD = "ha-test-pass"  # data nodes and Sentinels require it: proves it is passed on
START_S = 60.0  # a process must be serving within this (imports alone took 9 s on a busy box)


def _redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `make test` (it installs it)")
    return binary


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class RedisNode:
    """One redis-server with AOF (``appendfsync everysec``) in its own directory, which
    survives a kill so a restart on the same port loads what the AOF has."""

    workdir: Path
    port: int = field(default_factory=free_port)
    replica_of: int | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [
            _redis_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--requirepass",
            PASSWORD,
            "--masterauth",
            PASSWORD,
        ]
        if self.replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self.wait_serving()

    def wait_serving(self) -> None:
        client = redis.Redis.from_url(self.url)
        try:
            deadline = time.monotonic() + START_S
            while True:
                try:
                    client.ping()
                    return
                except (redis.ConnectionError, redis.ResponseError):
                    # ResponseError: LOADING the AOF (BusyLoadingError is a
                    # ConnectionError already); both mean "not yet".
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: a crash, no shutdown save, no AOF flush beyond what is written."""
        if self.proc is not None:
            _stop(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)


def wait_aof_flushed(node: RedisNode, timeout_s: float = 15.0) -> None:
    """Wait until everything Redis acknowledged is written to the AOF and fsynced (the
    ``everysec`` window closed): ``aof_buffer_length`` and ``aof_pending_bio_fsync`` are
    0 and a full fsync second has passed since the last write."""
    client = node.client()
    try:
        deadline = time.monotonic() + timeout_s
        first: float | None = None
        while True:
            info = client.info("persistence")
            idle = info["aof_buffer_length"] == 0 and info["aof_pending_bio_fsync"] == 0
            if idle and first is None:
                first = time.monotonic()
            if idle and first is not None and time.monotonic() - first >= 1.1:
                return  # one fsync tick with nothing pending: all written data fsynced
            if not idle:
                first = None
            if time.monotonic() > deadline:
                raise TimeoutError(f"AOF of :{node.port} not flushed: {info}")
            time.sleep(0.05)
    finally:
        client.close()


@dataclass
class SentinelNode:
    workdir: Path
    master_port: int
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "sentinel.conf"  # Sentinel rewrites it: one per process
        conf.write_text(
            "\n".join(
                [
                    f"port {self.port}",
                    "bind 127.0.0.1",
                    f"dir {self.workdir}",
                    f"requirepass {PASSWORD}",
                    f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 2",
                    f"sentinel auth-pass {MASTER_NAME} {PASSWORD}",
                    # fast failover for tests: down after 1 s, retry a failover after 3 s
                    f"sentinel down-after-milliseconds {MASTER_NAME} 1000",
                    f"sentinel failover-timeout {MASTER_NAME} 3000",
                    f"sentinel parallel-syncs {MASTER_NAME} 1",
                    "",
                ]
            )
        )
        log = (self.workdir / "sentinel.log").open("ab")
        self.proc = subprocess.Popen(
            [_redis_binary(), str(conf), "--sentinel"], stdout=log, stderr=subprocess.STDOUT
        )

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, password=PASSWORD, decode_responses=True
        )

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


@contextlib.contextmanager
def sentinel_topology(workdir: Path) -> Iterator[tuple[RedisNode, RedisNode, list[SentinelNode]]]:
    """A master, one replica in sync, three Sentinels that know both."""
    master = RedisNode(workdir / "master")
    master.start()
    replica = RedisNode(workdir / "replica", replica_of=master.port)
    sentinels = [SentinelNode(workdir / f"sentinel{i}", master.port) for i in range(3)]
    try:
        replica.start()
        for sentinel in sentinels:
            sentinel.start()
        _wait_until(lambda: _replica_in_sync(replica), "replica in sync")
        _wait_until(
            lambda: all(_sentinel_sees(s, replica.port, len(sentinels)) for s in sentinels),
            "every Sentinel knows the replica and the other Sentinels",
        )
        yield master, replica, sentinels
    finally:
        for sentinel in sentinels:
            sentinel.stop()
        replica.stop()
        master.stop()


def _wait_until(check: object, what: str, timeout_s: float = START_S) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(redis.RedisError):
            if check():
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"not reached within {timeout_s} s: {what}")
        time.sleep(0.1)


def _replica_in_sync(replica: RedisNode) -> bool:
    client = replica.client()
    try:
        return bool(client.info("replication").get("master_link_status") == "up")
    finally:
        client.close()


def _sentinel_sees(sentinel: SentinelNode, replica_port: int, total: int) -> bool:
    client = sentinel.client()
    try:
        master: Any = client.sentinel_master(MASTER_NAME)
        replicas: Any = client.sentinel_slaves(MASTER_NAME)
        return int(master["num-other-sentinels"]) == total - 1 and any(
            int(r["port"]) == replica_port for r in replicas
        )
    finally:
        client.close()


async def watch_switch_master(sentinel: SentinelNode) -> asyncio.Task[int]:
    """Subscribed now to the Sentinel's ``+switch-master`` event; the task ends with
    the port of the promoted master."""
    client = aioredis.Redis(host="127.0.0.1", port=sentinel.port, password=PASSWORD)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe("+switch-master")

    async def promoted() -> int:
        try:
            async for message in pubsub.listen():
                name, _old_ip, _old_port, _ip, port = message["data"].decode().split()
                if name == MASTER_NAME:
                    return int(port)
            raise RuntimeError("Sentinel closed its pub/sub")
        finally:
            await pubsub.aclose()
            await client.aclose()

    return asyncio.create_task(promoted())


def master_port(sentinels: list[SentinelNode]) -> int:
    """The master's port as the first Sentinel that answers names it."""
    for sentinel in sentinels:
        client = sentinel.client()
        try:
            address: Any = client.sentinel_get_master_addr_by_name(MASTER_NAME)
            return int(address[1])
        except redis.RedisError:
            continue
        finally:
            client.close()
    raise RuntimeError("no Sentinel answers")


# coview nodes ---------------------------------------------------------------------------

FAST_NODE = {
    "COVIEW_PASSWORD_MEMORY_KIB": "1024",
    "COVIEW_LOGIN_RATE": "10000/minute",
    "COVIEW_JOIN_RATE": "10000/minute",
    "COVIEW_CONVERSATION_RATE": "10000/minute",
    "COVIEW_DEADLINE_POLL_S": "0.05",
    "COVIEW_QUEUE_BROADCAST_S": "0.05",
    "COVIEW_AGENT_CACHE_S": "0",
    "COVIEW_OFFER_TIMEOUT_S": "3",
    "COVIEW_REDIS_TIMEOUT_S": "1",
}


@dataclass
class CoviewNode:
    """``coview serve`` as its own OS process."""

    workdir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "COVIEW_HOST": "127.0.0.1",
            "COVIEW_PORT": str(self.port),
            "COVIEW_DATA_DIR": str(self.workdir),
            "COVIEW_SECRET": TEST_SECRET,
            "COVIEW_STORE": "redis",
            "COVIEW_LOG_FORMAT": "text",
            **FAST_NODE,
            **self.env,
        }
        log = (self.workdir / "coview.log").open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        await self.wait_ready()

    async def readyz(self, http: aiohttp.ClientSession) -> int:
        async with http.get(f"{self.url}/readyz") as r:
            await r.read()
            return r.status

    async def wait_ready(self, timeout_s: float = START_S) -> None:
        """Until ``/readyz`` is 200 (the process starts, or its Redis came back)."""
        async with aiohttp.ClientSession() as http, asyncio.timeout(timeout_s):
            while True:
                assert self.proc is not None and self.proc.returncode is None, self.log_tail()
                with contextlib.suppress(aiohttp.ClientError):
                    if await self.readyz(http) == 200:
                        return
                await asyncio.sleep(0.05)

    def log_tail(self, lines: int = 40) -> str:
        path = self.workdir / "coview.log"
        return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else ""

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


@contextlib.asynccontextmanager
async def coview_nodes(workdir: Path, env: dict[str, str]) -> AsyncIterator[list[CoviewNode]]:
    """Two nodes on one Redis (or Sentinel set); A seeds the demo organisation."""
    prefix = f"coview-ha-{os.getpid()}-{time.monotonic_ns() % 10**6}:"
    common = {**env, "COVIEW_REDIS_PREFIX": prefix}
    a = CoviewNode(workdir / "a", {**common, "COVIEW_SEED_DEMO": "true"})
    b = CoviewNode(workdir / "b", {**common, "COVIEW_SEED_DEMO": "false"})
    try:
        await asyncio.gather(a.start(), b.start())  # B needs no seed: A is ready once seeded
        yield [a, b]
    finally:
        await asyncio.gather(a.stop(), b.stop())


def store_client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(url, decode_responses=True)
