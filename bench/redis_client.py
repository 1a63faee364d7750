"""What one Redis command costs this process: coview's client (``store/redis/connection.py``:
the bounded pool and the bounded send) against redis-py's own ``BlockingConnectionPool``
with the same timeouts, side by side in one run, on a redis-server started here.

Each round sends ``--commands`` GETs from ``--tasks`` concurrent tasks with each client
in turn; prints the client CPU per command (this process's CPU time, which is all
client: the server is another process) and the ratio, and writes JSON.

    python -m bench.redis_client [--commands 20000] [--tasks 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import time
from collections.abc import Iterator
from statistics import median
from typing import Any

import redis
import redis.asyncio as aioredis

from bench.common import free_port, write_result
from store.redis.connection import RedisTarget, client_bounds, connection_pool


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen([*args, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        probe = redis.Redis(port=port)
        for _ in range(400):
            with contextlib.suppress(redis.RedisError):
                if probe.ping():
                    break
            time.sleep(0.025)
        probe.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def library_client(target: RedisTarget) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        target.url, max_connections=64, timeout=target.timeout_s, **client_bounds(target)
    )
    return aioredis.Redis.from_pool(pool)


def coview_client(target: RedisTarget) -> aioredis.Redis:
    return aioredis.Redis.from_pool(connection_pool(target, decode_responses=False))


async def cpu_per_command(client: aioredis.Redis, commands: int, tasks: int) -> float:
    """Microseconds of this process's CPU per GET."""
    await client.set("bench:key", b"x" * 200)

    async def worker() -> None:
        for _ in range(commands // tasks):
            await client.get("bench:key")

    await worker()  # warm: connections open
    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    spent = time.process_time() - started
    await client.aclose()
    return spent / (commands // tasks * tasks) * 1e6


async def run(url: str, commands: int, tasks: int, rounds: int) -> dict[str, Any]:
    target = RedisTarget(url=url)
    library, coview = [], []
    for _ in range(rounds):  # alternated, so drift on a shared machine hits both
        library.append(await cpu_per_command(library_client(target), commands, tasks))
        coview.append(await cpu_per_command(coview_client(target), commands, tasks))
        print(f"library {library[-1]:7.1f} µs/cmd   coview {coview[-1]:7.1f} µs/cmd")
    ratio = median(c / lib for c, lib in zip(coview, library, strict=True))
    print(f"coview/library client CPU per command (median of {rounds}): {ratio:.2f}")
    return {
        "commands": commands,
        "tasks": tasks,
        "library_us_per_command": library,
        "coview_us_per_command": coview,
        "ratio_median": round(ratio, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with redis_server() as url:
        result = asyncio.run(run(url, args.commands, args.tasks, args.rounds))
    stamp = time.strftime("%Y%m%dT%H%M%S")
    print(f"wrote {write_result(f'redis-client-{stamp}', result)}")


if __name__ == "__main__":
    main()
