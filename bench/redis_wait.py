"""What WAIT costs: escalation writes through the Redis store with and without waiting
for a replica (``COVIEW_REDIS_WAIT_REPLICAS``), on a master and a replica on loopback.

Each lifecycle is the store's five writes of an escalation (created and queued, offered,
accepted, wrap-up, completed), run by ``--writers`` concurrent tasks for ``--lifecycles``
in all; prints per-write latency and this process's CPU per write, writes JSON.

    python -m bench.redis_wait [--lifecycles 400] [--writers 1,20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import redis

from bench.common import RESULTS, cpu_seconds, free_port, summary_ms
from store.escalation_models import Escalation, EscalationEvent, EscalationWrite, State
from store.redis import RedisStore
from store.redis.connection import RedisTarget

STATES: tuple[State, ...] = ("offered", "accepted", "wrap_up", "completed")


@contextlib.contextmanager
def master_and_replica() -> Iterator[tuple[str, str]]:
    """A master and a replica in sync, AOF off (the cost measured is replication's)."""
    workdir = tempfile.mkdtemp(prefix="coview-bench-wait-")
    ports = free_port(), free_port()
    procs = []
    try:
        for index, port in enumerate(ports):
            args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            args += ["--appendonly", "no", "--dir", workdir, "--dbfilename", f"{port}.rdb"]
            if index:
                args += ["--replicaof", "127.0.0.1", str(ports[0])]
            procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL))
        replica = redis.Redis(port=ports[1], decode_responses=True)
        for _ in range(400):
            with contextlib.suppress(redis.RedisError):
                if replica.info("replication").get("master_link_status") == "up":
                    break
            time.sleep(0.025)
        replica.close()
        yield f"redis://127.0.0.1:{ports[0]}/0", f"redis://127.0.0.1:{ports[1]}/0"
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _event(esc: Escalation, seq: int, kind: str) -> EscalationEvent:
    return EscalationEvent(
        id=f"{esc.id}.{seq}", escalation_id=esc.id, seq=seq, type=kind, actor="bench"
    )


async def lifecycle(store: RedisStore, esc_id: str, latencies: list[float]) -> None:
    esc = Escalation.model_validate(
        {
            "id": esc_id,
            "tenant_id": "bench",
            "channel": "web",
            "trigger": "customer",
            "modalities": ["video"],
            "session_id": "s_" + esc_id,
            "state": "queued",
            "seq": 2,
        }
    )
    write = EscalationWrite(
        escalation=esc,
        expected_seq=0,
        events=(_event(esc, 1, "requested"), _event(esc, 2, "queued")),
    )
    for state in (None, *STATES):
        if state is not None:
            previous = esc.state
            esc = esc.model_copy(update={"state": state, "seq": esc.seq + 1})
            write = EscalationWrite(
                escalation=esc,
                expected_seq=esc.seq - 1,
                previous_state=previous,
                events=(_event(esc, esc.seq, state),),
            )
        started = time.perf_counter()
        assert await store.write_escalation(write) == "ok"
        latencies.append(time.perf_counter() - started)


async def measure(url: str, wait_replicas: int, lifecycles: int, writers: int) -> dict[str, Any]:
    target = RedisTarget(url=url, wait_replicas=wait_replicas, wait_timeout_ms=1000)
    store = RedisStore(target, prefix=f"bench-wait-{time.monotonic_ns()}:")
    await store.open()
    latencies: list[float] = []
    queue = iter(range(lifecycles))

    async def writer() -> None:
        for n in queue:
            await lifecycle(store, f"e{n}", latencies)

    try:
        cpu0, wall0 = cpu_seconds(os.getpid()), time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        cpu, wall = cpu_seconds(os.getpid()) - cpu0, time.perf_counter() - wall0
    finally:
        await store.close()
    return {
        "wait_replicas": wait_replicas,
        "writers": writers,
        "writes": len(latencies),
        "writes_per_s": round(len(latencies) / wall, 1),
        "cpu_us_per_write": round(cpu / len(latencies) * 1e6, 1),
        **summary_ms(latencies),
    }


async def main(args: argparse.Namespace) -> None:
    rows = []
    with master_and_replica() as (master, _replica):
        await measure(master, 0, args.lifecycles // 4 or 1, 4)  # warm-up, not reported
        for writers in args.writers:
            for wait in (0, 1, 0, 1):  # alternated: a noisy neighbour hits both alike
                rows.append(await measure(master, wait, args.lifecycles, writers))
    print(f"{'wait':>4} {'writers':>7} {'writes/s':>9} {'cpu µs/w':>9} {'p50 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['wait_replicas']:>4} {row['writers']:>7} {row['writes_per_s']:>9} "
            f"{row['cpu_us_per_write']:>9} {row['p50_ms']:>7} {row['p99_ms']:>7}"
        )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "redis_wait.json"
    path.write_text(json.dumps(rows, indent=2))
    print(f"wrote {path}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lifecycles", type=int, default=400)
    parser.add_argument("--writers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 20])
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
