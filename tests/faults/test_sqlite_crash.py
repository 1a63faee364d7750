"""kill -9 of a single SQLite node in the middle of a burst of creates: after a
restart every escalation whose create was answered 2xx is there with its events, and
the database (WAL included) opens and checks clean."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiohttp

from tests.faults.cluster import Node
from tests.support.api import bearer
from tests.support.escalations import API_KEY, body

BURST = 200
CONCURRENCY = 20
KILL_AFTER_ANSWERS = 80
RESTART_WITHIN_S = 10.0


async def test_kill_9_during_a_burst_of_creates_loses_no_acknowledged_write(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    node = Node("sqlite", {"COVIEW_STORE": "sqlite"}, tmp_path / "node")
    await node.start()
    try:
        acknowledged: list[str] = []
        failed = 0
        killed = asyncio.Event()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(BURST):
            queue.put_nowait(i)

        async def worker() -> None:
            nonlocal failed
            payload = body(modalities=["chat"], channel="chat")
            while not queue.empty():
                queue.get_nowait()
                try:
                    async with http.post(
                        f"{node.url}/api/escalations", json=payload, headers=bearer(API_KEY)
                    ) as r:
                        if r.status == 201:
                            acknowledged.append((await r.json())["escalation"]["id"])
                        else:
                            failed += 1
                except (aiohttp.ClientError, ConnectionError):
                    failed += 1  # the node died under this request: not acknowledged
                if len(acknowledged) >= KILL_AFTER_ANSWERS and not killed.is_set():
                    killed.set()
                    node.kill()  # while the other workers' requests are in flight

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        assert killed.is_set() and failed > 0  # the kill did land mid-burst
        await node.wait_exit(5)

        await node.start(ready_within_s=RESTART_WITHIN_S)  # the WAL is recovered on open
        for esc_id in acknowledged:
            async with http.get(
                f"{node.url}/api/escalations/{esc_id}/events", headers=bearer(API_KEY)
            ) as r:
                assert r.status == 200, (esc_id, await r.text())
                types = [e["type"] for e in (await r.json())["events"]]
                assert types[:2] == ["requested", "queued"], (esc_id, types)
    finally:
        await node.ensure_dead()
    with sqlite3.connect(tmp_path / "node" / "coview.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
