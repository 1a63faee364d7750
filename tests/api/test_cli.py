"""``coview serve`` as the README runs it: a real process that answers and stops cleanly."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from pathlib import Path

import aiohttp

from server.platform.gc_tuning import freeze_startup_heap
from tests.support.harness import free_port
from tests.support.paths import REPO

ROOT = REPO


async def test_serve_answers_health_checks_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    args = ["-m", "server.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, "--no-demo", cwd=ROOT, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectorError:
                    assert proc.returncode is None, "coview serve exited"
                    assert time.monotonic() < deadline, "coview serve did not start"
                    await asyncio.sleep(0.1)  # another process: no event to await
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 15) == 0


async def test_freezing_the_start_up_heap_hides_it_from_the_collector() -> None:
    before = gc.get_freeze_count()
    try:
        await freeze_startup_heap(None)  # type: ignore[arg-type]
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
