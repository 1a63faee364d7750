"""``coview serve`` as real OS processes the fault tests and the soak kill, stop and
restart: each node on the shared redis-server (or its own SQLite file), its output in
a log file the test prints when something fails."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.support.harness import TEST_SECRET, free_port

# Every timeout shrunk so a fault plays out in seconds; tests override what they measure.
FAST_ENV: dict[str, str] = {
    "COVIEW_SECRET": TEST_SECRET,
    "COVIEW_PASSWORD_MEMORY_KIB": "1024",
    "COVIEW_LOGIN_RATE": "100000/minute",
    "COVIEW_JOIN_RATE": "100000/minute",
    "COVIEW_CONVERSATION_RATE": "100000/minute",
    "COVIEW_ESCALATION_RATE": "100000/minute",
    "COVIEW_BOT_RATE": "100000/minute",
    "COVIEW_DEADLINE_POLL_S": "0.05",
    "COVIEW_DEADLINE_LEASE_S": "1.5",
    "COVIEW_AGENT_CACHE_S": "0",
    "COVIEW_QUEUE_BROADCAST_S": "0.05",
    "COVIEW_SSE_POLL_S": "0.2",
    "COVIEW_WEBHOOK_POLL_S": "0.1",
    "COVIEW_WEBHOOK_LEASE_S": "1.5",
    "COVIEW_WEBHOOK_BACKOFF_S": "0.5",
    "COVIEW_WEBHOOK_TIMEOUT_S": "2",
    "COVIEW_LOG_LEVEL": "WARNING",
    # the tests' webhook and bot receivers listen on loopback (see tests/support/harness.py)
    "COVIEW_OUTBOUND_ALLOW": "127.0.0.1/32,::1/128",
}


@dataclass
class Node:
    """One ``coview serve`` process; ``start`` again after ``kill`` restarts it on the
    same port and data directory."""

    name: str
    env: dict[str, str]
    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: asyncio.subprocess.Process | None = None
    ready_at: float = 0.0  # time.monotonic() when /readyz last answered 200 after a start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, ready_within_s: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **FAST_ENV,
            "COVIEW_PORT": str(self.port),
            "COVIEW_DATA_DIR": str(self.data_dir),
            **self.env,
        }
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "server.cli", "serve", env=env, stdout=log, stderr=log
            )
        await self.wait_ready(ready_within_s)

    async def wait_ready(self, within_s: float) -> None:
        deadline = time.monotonic() + within_s
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(self.url + "/readyz") as r:
                        if r.status == 200:
                            self.ready_at = time.monotonic()
                            return
                await asyncio.sleep(0.05)  # a process starting: nothing to await
        raise RuntimeError(f"{self.name} not ready in {within_s} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when the box loses power or the OOM killer
        picks the process."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def wait_exit(self, within_s: float) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), within_s)

    async def stop(self, within_s: float = 15.0) -> tuple[int, float]:
        """SIGTERM and wait: the exit code and how long it took."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await self.wait_exit(within_s)
        return code, time.monotonic() - started

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def ensure_dead(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def redis_env(redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    return {
        "COVIEW_STORE": "redis",
        "COVIEW_REDIS_URL": redis_url,
        "COVIEW_REDIS_PREFIX": prefix,
        **extra,
    }


def pair_env(redis_url: str, **extra: str) -> dict[str, dict[str, str]]:
    """Settings of nodes a and b on one Redis prefix; a seeds the demo organisation."""
    prefix = f"coview-fault-{secrets.token_hex(4)}:"
    return {
        "a": redis_env(redis_url, prefix, **extra),
        "b": redis_env(redis_url, prefix, COVIEW_SEED_DEMO="false", **extra),
    }


@contextlib.asynccontextmanager
async def nodes(
    base: Path, envs: Mapping[str, Mapping[str, str]]
) -> AsyncIterator[dict[str, Node]]:
    """Nodes started in order (the first seeds the demo organisation, the others find
    it), all dead when the block ends."""
    started: dict[str, Node] = {}
    try:
        for name, env in envs.items():
            node = Node(name, dict(env), base / name)
            started[name] = node
            await node.start()
        yield started
    finally:
        for node in started.values():
            await node.ensure_dead()
