"""Shared bench helpers: percentiles, CPU time of a process, free ports, a coview server
process, result files."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

RESULTS = Path(__file__).parent / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def coview_process(
    port: int, env: dict[str, str], module: str = "server.cli"
) -> AsyncIterator[tuple[str, int]]:
    """``coview serve`` in its own process, as deployed, with ``COVIEW_*`` settings in
    ``env``; yields its URL and pid once /readyz answers. ``module`` is the entry point
    (a bench wrapper of ``server.cli``). ``BENCH_PROFILE=path`` runs it under cProfile
    into ``path.<store>.<port>``."""
    env = {**os.environ, "COVIEW_PORT": str(port), "COVIEW_LOG_LEVEL": "WARNING", **env}
    profile = os.environ.get("BENCH_PROFILE")
    store = env.get("COVIEW_STORE", "sqlite")
    wrap = ["-m", "cProfile", "-o", f"{profile}.{store}.{port}"] if profile else []
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *wrap, "-m", module, "serve", env=env, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(url + "/readyz") as r:
                        if r.status == 200:
                            break
                await asyncio.sleep(0.1)  # another process starting: nothing to await
        yield url, proc.pid
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 15)


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path
