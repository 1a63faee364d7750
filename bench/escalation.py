"""Escalation routing under load: create→offer latency and sustained creates/s.

One coview process (a subprocess, as deployed) per store. 200 simulated agents log in,
connect to ``/agent``, go available, accept each offer at once over the real API and
complete it (wrap_up + complete) after a short hold; they run in their own processes
(``--agent-procs``) at nice 10 (``--agents-nice``; 0 turns it off), so the load
generator's CPU is not the server's and, on a 2-core box, does not preempt it (the
clients of a deployed server run elsewhere). 50 concurrent
clients create escalations with the integration API key: first paced at a target rate
(latency from the POST until the ``offer`` arrives at an agent's console: both stamps
are CLOCK_MONOTONIC, comparable across processes), then as fast as they can (sustained
creates/s). Reports the CPU share of the server and of the load generators per phase,
the server's CPU per completed escalation and, on Redis, the Redis commands per
completed escalation: all of them (``INFO commandstats``, which also counts the
commands a Lua script runs inside Redis) and those the nodes sent (counted in the node,
``bench/redis_count.py``: what costs a node encoding, a round trip and a reply), with
the Redis/SQLite CPU ratio of the run, and Redis's own CPU per escalation with the
time it spent running each command: one Redis is one core, so 1 / that CPU is about the
creates/s the whole cluster tops out near, whatever the number of nodes. ``--nodes
1,2`` runs Redis with one and then two ``coview serve`` processes on the same Redis, the
agents and the creating clients split between them (summed CPU of the nodes). Prints a
table and writes JSON to ``bench/results/``.

    python -m bench.escalation [--stores sqlite,redis] [--nodes 1,2] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import secrets
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis
import socketio

from bench.common import coview_process, cpu_seconds, free_port
from server.platform.auth.passwords import Passwords
from server.platform.config import Config
from store import open_store
from store.models import Agent, utcnow

RESULTS = Path(__file__).parent / "results"
API_KEY = "cvk_demo_integration_key_change_me"
PASSWORD = "bench-password"
SECRET = "bench-secret-" + "x" * 40


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, int]]:
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="coview-bench-redis-")
    proc = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        yield f"redis://127.0.0.1:{port}/0", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def server_env(config: Config) -> dict[str, str]:
    return {
        "COVIEW_STORE": config.store,
        "COVIEW_REDIS_URL": config.redis_url,
        "COVIEW_REDIS_PREFIX": config.redis_prefix,
        "COVIEW_DATA_DIR": str(config.data_dir),
        "COVIEW_SECRET": SECRET,
        "COVIEW_LOGIN_RATE": "100000/minute",
        "COVIEW_PASSWORD_MEMORY_KIB": "1024",
    }


async def add_agents(config: Config, count: int) -> list[str]:
    """Bench agents, written straight into the store the server uses."""
    store = open_store(
        config.store,
        data_dir=config.data_dir,
        redis=config.redis_target(),
        prefix=config.redis_prefix,
    )
    await store.open()
    password_hash = Passwords(1024).hash(PASSWORD)
    emails = []
    try:
        for i in range(count):
            email = f"bench{i:03d}@bench.coview"
            await store.create_agent(
                Agent(
                    id=f"ag_bench_{i:03d}",
                    tenant_id="demo",
                    email=email,
                    name=f"Bench {i}",
                    password_hash=password_hash,
                    languages=["es", "en", "pt"],
                    skills=["support"],
                )
            )
            emails.append(email)
    finally:
        await store.close()
    return emails


@dataclass
class Tally:
    started: dict[str, float] = field(default_factory=dict)
    offered: dict[str, float] = field(default_factory=dict)
    completed: int = 0
    errors: int = 0

    def latencies_ms(self) -> list[float]:
        return [(self.offered[i] - t) * 1000 for i, t in self.started.items() if i in self.offered]


class SimAgent:
    """Accepts every offer at once, completes after ``hold_s``."""

    def __init__(self, url: str, http: aiohttp.ClientSession, tally: Tally, hold_s: float):
        self.url, self.http, self.tally, self.hold_s = url, http, tally, hold_s
        self.sio = socketio.AsyncClient(reconnection=False)
        self.headers: dict[str, str] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.sio.on("offer", self._on_offer, namespace="/agent")

    async def start(self, email: str) -> None:
        login = {"email": email, "password": PASSWORD}
        async with self.http.post(self.url + "/api/auth/login", json=login) as r:
            token = (await r.json())["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        await self.sio.connect(
            self.url,
            namespaces=["/agent"],
            transports=["websocket"],
            auth={"token": token},
            wait_timeout=30,  # 200 logging in at once on a busy box
        )
        async with self.http.put(
            self.url + "/api/agents/me/presence", json={"status": "available"}, headers=self.headers
        ) as r:
            assert r.status == 200, await r.text()

    async def _on_offer(self, data: dict[str, Any]) -> None:
        esc_id = data["escalation"]["id"]
        self.tally.offered.setdefault(esc_id, time.perf_counter())
        task = asyncio.create_task(self._handle(esc_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _post(self, esc_id: str, action: str) -> int:
        async with self.http.post(
            f"{self.url}/api/escalations/{esc_id}/{action}", json={}, headers=self.headers
        ) as r:
            await r.read()
            return r.status

    async def _handle(self, esc_id: str) -> None:
        try:
            if await self._post(esc_id, "accept") != 200:
                self.tally.errors += 1
                return
            await asyncio.sleep(self.hold_s)
            ok = await self._post(esc_id, "wrap_up") == 200
            ok = ok and await self._post(esc_id, "complete") == 200
            self.tally.completed += ok
            self.tally.errors += not ok
        except aiohttp.ClientError:
            self.tally.errors += 1

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await self.sio.disconnect()


def process_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _agent_worker(url: str, emails: list[str], hold_s: float, conn: Connection) -> None:
    """One load-generator process: its agents, driven by commands from the bench."""
    tally = Tally()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(emails))) as http:
        agents = [SimAgent(url, http, tally, hold_s) for _ in emails]
        for start in range(0, len(agents), 20):
            batch = zip(agents[start : start + 20], emails[start : start + 20], strict=True)
            await asyncio.gather(*(a.start(e) for a, e in batch))
        conn.send("ready")
        while (command := await asyncio.to_thread(conn.recv)) != "stop":
            if command == "reset":
                tally.offered.clear()
                tally.completed = tally.errors = 0
                conn.send(process_cpu_s())
            elif command == "progress":
                conn.send(tally.completed + tally.errors)
            elif command == "collect":
                conn.send((dict(tally.offered), tally.completed, tally.errors, process_cpu_s()))
        await asyncio.gather(*(a.stop() for a in agents))


def agent_worker(
    url: str, emails: list[str], hold_s: float, niceness: int, conn: Connection
) -> None:
    if niceness:
        os.nice(niceness)  # before any thread starts: Linux nice is per thread
    asyncio.run(_agent_worker(url, emails, hold_s, conn))


class AgentProcesses:
    """The simulated agents, split over processes."""

    def __init__(self, urls: list[str], emails: list[str], hold_s: float, niceness: int) -> None:
        """One process per entry of ``urls``, talking to that node."""
        ctx = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs = []
        count = len(urls)
        for i, url in enumerate(urls):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(
                target=agent_worker, args=(url, emails[i::count], hold_s, niceness, theirs)
            )
            proc.start()
            self.conns.append(ours)
            self.procs.append(proc)

    async def _ask(self, command: str) -> list[Any]:
        for conn in self.conns:
            conn.send(command)
        return [await asyncio.to_thread(conn.recv) for conn in self.conns]

    async def ready(self) -> None:
        for conn in self.conns:
            assert await asyncio.to_thread(conn.recv) == "ready"

    async def reset(self) -> float:
        return float(sum(await self._ask("reset")))

    async def progress(self) -> int:
        """Escalations the agents have finished with (completed or failed)."""
        return int(sum(await self._ask("progress")))

    async def collect(self, tally: Tally) -> float:
        cpu = 0.0
        for offered, completed, errors, used in await self._ask("collect"):
            tally.offered.update(offered)
            tally.completed += completed
            tally.errors += errors
            cpu += used
        return cpu

    def stop(self) -> None:
        for conn in self.conns:
            conn.send("stop")
        for proc in self.procs:
            proc.join(timeout=15)


PAYLOAD = {
    "trigger": "bot",
    "channel": "chat",
    "modalities": ["video"],
    "skills": ["support"],
    "context": {
        "transcript": [{"role": "customer", "text": "quiero hablar con alguien"}],
        "page": {"url": "https://shop.example/checkout", "title": "Checkout"},
        "cart": {"items": [{"name": "Shoes", "quantity": 1, "price": 59.9}], "total": 59.9},
        "customer": {"id": "c1", "name": "Lucía", "tier": "gold", "language": "es"},
        "bot": {"intent": "human", "confidence": 0.9},
    },
}


async def creator(
    url: str,
    http: aiohttp.ClientSession,
    tally: Tally,
    until: float,
    interval: float,
    offset: float,
) -> None:
    """One client: a create every ``interval`` s, starting ``offset`` s in, so that the
    clients together arrive evenly rather than in bursts of ``clients`` at once."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    next_at = time.perf_counter() + offset
    await asyncio.sleep(offset)
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            async with http.post(url + "/api/escalations", json=PAYLOAD, headers=headers) as r:
                data = await r.json()
                if r.status != 201:
                    tally.errors += 1
                    continue
            tally.started[data["escalation"]["id"]] = started
        except aiohttp.ClientError:
            tally.errors += 1
        if interval:
            next_at += interval
            if next_at >= until:
                break  # sleeping past the window would stretch it and understate the rate
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Node:
    """One ``coview serve`` process under test."""

    url: str
    pid: int
    counts_path: Path | None = None  # where it writes its Redis command counts

    async def redis_commands(self) -> Counter[str]:
        """The commands this node has sent to Redis so far, by name."""
        if self.counts_path is None:
            return Counter()
        self.counts_path.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGUSR1)
        for _ in range(500):  # the node writes it from its signal handler
            if self.counts_path.exists():
                return Counter(json.loads(self.counts_path.read_text()))
            await asyncio.sleep(0.01)
        raise RuntimeError(f"node {self.pid} wrote no Redis command counts")


@dataclass
class RedisProbe:
    """What Redis itself counts: every command (also those scripts run) and its CPU."""

    url: str
    pid: int

    async def commands(self) -> tuple[Counter[str], Counter[str]]:
        """Calls and microseconds spent, by command (a script's own commands are
        counted under their names and also inside the EVALSHA's time)."""
        client = aioredis.from_url(self.url)
        try:
            stats = await client.info("commandstats")
        finally:
            await client.aclose()
        kept = {
            name.removeprefix("cmdstat_"): v
            for name, v in stats.items()
            if not name.startswith(("cmdstat_info", "cmdstat_config"))
        }
        return (
            Counter({name: int(v["calls"]) for name, v in kept.items()}),
            Counter({name: int(v["usec"]) for name, v in kept.items()}),
        )


@dataclass
class Usage:
    """Counters read before and after a phase."""

    server_cpu: float
    redis_cpu: float = 0.0
    redis_commands: Counter[str] = field(default_factory=Counter)
    redis_usec: Counter[str] = field(default_factory=Counter)
    node_commands: Counter[str] = field(default_factory=Counter)


async def usage(nodes: list[Node], redis: RedisProbe | None) -> Usage:
    node_commands: Counter[str] = Counter()
    for node in nodes:
        node_commands += await node.redis_commands()
    calls, usec = await redis.commands() if redis else (Counter(), Counter())
    return Usage(
        server_cpu=sum(cpu_seconds(n.pid) for n in nodes),
        redis_cpu=cpu_seconds(redis.pid) if redis else 0.0,
        redis_commands=calls,
        redis_usec=usec,
        node_commands=node_commands,
    )


def by_name(counts: Counter[str]) -> Counter[str]:
    """Counts of ``NAME key-kind`` summed by name."""
    named: Counter[str] = Counter()
    for kind, n in counts.items():
        named[kind.split(" ")[0] if not kind.startswith("SCRIPT") else kind] += n
    return named


SETUP_COMMANDS = ("HELLO", "CLIENT", "SCRIPT")


def per_escalation(before: Usage, after: Usage, completed: int) -> dict[str, Any]:
    if not completed:
        return {}
    sent, total = after.node_commands - before.node_commands, after.redis_commands
    total = total - before.redis_commands
    # a connection's set-up (a pool still growing) is counted apart from the work
    setup = sum(sent.pop(k, 0) for k in list(sent) if k.startswith(SETUP_COMMANDS))
    usec = after.redis_usec - before.redis_usec
    for name in [k for k in total if k.startswith(("hello", "client", "script"))]:
        del total[name]
        usec.pop(name, None)
    redis_cpu_ms = (after.redis_cpu - before.redis_cpu) * 1000 / completed
    return {
        "connection_setup_cmds_per_esc": round(setup / completed, 2),
        "server_cpu_ms_per_esc": round(
            (after.server_cpu - before.server_cpu) * 1000 / completed, 2
        ),
        "redis_cpu_ms_per_esc": round(redis_cpu_ms, 3),
        # one Redis is one core: the creates/s the whole cluster tops out near
        "redis_ceiling_esc_per_s": round(1000 / redis_cpu_ms) if redis_cpu_ms > 0 else None,
        "redis_cmds_per_esc": round(sum(total.values()) / completed, 1),
        "sent_cmds_per_esc": round(sum(sent.values()) / completed, 1),
        "sent_by_command": {k: round(v / completed, 2) for k, v in by_name(sent).most_common()},
        "sent_by_key": {k: round(v / completed, 2) for k, v in sent.most_common()},
        "redis_by_command": {k: round(v / completed, 2) for k, v in total.most_common()},
        # Redis's time running each command, µs per escalation (a script's commands are
        # counted under their own names and again inside its EVALSHA); the rest of its
        # CPU is network I/O, pub/sub delivery and its timers
        "redis_us_by_command": {k: round(v / completed, 1) for k, v in usec.most_common()},
    }


async def phase(
    nodes: list[Node],
    agents: AgentProcesses,
    redis: RedisProbe | None,
    args: argparse.Namespace,
    rate: float | None,
) -> dict[str, Any]:
    tally = Tally()
    clients, seconds = args.clients, args.seconds
    interval = clients / rate if rate else 0.0
    agents_cpu0 = await agents.reset()
    before = await usage(nodes, redis)
    creators_cpu0 = process_cpu_s()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        t0 = time.perf_counter()
        until = t0 + seconds
        await asyncio.gather(
            *(
                creator(
                    nodes[i % len(nodes)].url, http, tally, until, interval, i * interval / clients
                )
                for i in range(clients)
            )
        )
        elapsed = time.perf_counter() - t0
        server_cpu = sum(cpu_seconds(n.pid) for n in nodes) - before.server_cpu
        creators_cpu = process_cpu_s() - creators_cpu0
        await asyncio.sleep(1.0)  # let the last offers arrive
        # and the agents finish the escalations created, so that what is counted per
        # escalation is whole lifecycles (bounded: an overloaded run stops waiting)
        drain_until = time.perf_counter() + args.drain
        while time.perf_counter() < drain_until:
            if await agents.progress() >= len(tally.started):
                break
            await asyncio.sleep(0.2)  # other processes: nothing here to await
    agents_cpu = await agents.collect(tally) - agents_cpu0
    after = await usage(nodes, redis)
    lat = tally.latencies_ms()
    return {
        "target_rate": rate,
        "created": len(tally.started),
        "creates_per_s": round(len(tally.started) / elapsed, 1),
        "offered": len(lat),
        "offer_p50_ms": round(pct(lat, 0.5), 1),
        "offer_p99_ms": round(pct(lat, 0.99), 1),
        "offer_mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "completed": tally.completed,
        "errors": tally.errors,
        # CPU share of one core over the creating window (agents: until collected)
        "server_cpu": round(server_cpu / elapsed, 2),
        "creators_cpu": round(creators_cpu / elapsed, 2),
        "agents_cpu": round(agents_cpu / (elapsed + 1.0), 2),
        # per completed escalation, over the window and until the agents are done
        **per_escalation(before, after, tally.completed),
    }


@contextlib.asynccontextmanager
async def coview_nodes(config: Config, count: int, counted: bool) -> AsyncIterator[list[Node]]:
    """``count`` ``coview serve`` processes on one store; ``counted``: each counts the
    commands it sends to Redis (``bench/redis_count.py``)."""
    async with contextlib.AsyncExitStack() as stack:
        nodes: list[Node] = []
        for _ in range(count):
            env = server_env(config)
            counts_path = None
            if counted:
                counts_path = config.data_dir / f"redis-commands-{len(nodes)}.json"
                env["BENCH_REDIS_COUNTS"] = str(counts_path)
            module = "bench.redis_count" if counted else "server.cli"
            url, pid = await stack.enter_async_context(
                coview_process(free_port(), env, module=module)
            )
            nodes.append(Node(url, pid, counts_path))
        yield nodes


async def run_store(
    store: str, redis: RedisProbe | None, args: argparse.Namespace, node_count: int = 1
) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"coview-bench-{store}-"))
    config = Config(
        port=free_port(),
        store=store,  # type: ignore[arg-type]
        redis_url=redis.url if redis else "redis://127.0.0.1:6379/0",
        redis_prefix=f"coview-bench-{secrets.token_hex(3)}:",
        data_dir=data_dir,
        secret=SECRET,
    )
    async with coview_nodes(config, node_count, counted=redis is not None) as nodes:
        emails = await add_agents(config, args.agents)
        urls = [nodes[i % len(nodes)].url for i in range(args.agent_procs)]
        agents = AgentProcesses(urls, emails, args.hold, args.agents_nice)
        try:
            await agents.ready()
            paced = await phase(nodes, agents, redis, args, args.rate)
            await asyncio.sleep(args.hold + 1)
            flat_out = await phase(nodes, agents, redis, args, None)
        finally:
            agents.stop()
    label = store if node_count == 1 else f"{store}x{node_count}"
    return {
        "store": label,
        "nodes": node_count,
        "agents": args.agents,
        "paced": paced,
        "max": flat_out,
    }


def table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'store':8} {'phase':6} {'target/s':>8} {'creates/s':>9} {'offered':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'done':>6} {'errors':>6} "
        f"{'server':>6} {'agents':>6} {'clients':>7} "
        f"{'cpu ms/esc':>10} {'redis cmds/esc':>14} {'sent/esc':>8}"
    )
    lines = [head, "-" * len(head)]
    for result in results:
        for name in ("paced", "max"):
            p = result[name]
            lines.append(
                f"{result['store']:8} {name:6} {p['target_rate'] or '-':>8} "
                f"{p['creates_per_s']:>9} {p['offered']:>8} {p['offer_p50_ms']:>7} "
                f"{p['offer_p99_ms']:>7} {p['completed']:>6} {p['errors']:>6} "
                f"{p['server_cpu']:>6} {p['agents_cpu']:>6} {p['creators_cpu']:>7} "
                f"{p.get('server_cpu_ms_per_esc', '-'):>10} "
                f"{p.get('redis_cmds_per_esc', '-') if result['store'] != 'sqlite' else '-':>14} "
                f"{p.get('sent_cmds_per_esc', '-') if result['store'] != 'sqlite' else '-':>8}"
            )
    return "\n".join(lines)


def ratios(results: list[dict[str, Any]]) -> dict[str, float]:
    """Server CPU per escalation (paced) of each Redis run over SQLite's in this run."""
    cpu = {r["store"]: r["paced"].get("server_cpu_ms_per_esc") for r in results}
    base = cpu.get("sqlite")
    if not base:
        return {}
    return {f"{s}/sqlite": round(v / base, 2) for s, v in cpu.items() if s != "sqlite" and v}


async def main(args: argparse.Namespace) -> None:
    results = []
    for store in args.stores.split(","):
        if store != "redis":
            results.append(await run_store(store, None, args))
            print(table(results[-1:]), flush=True)  # as it comes: a long run may be cut
            continue
        for count in map(int, args.nodes.split(",")):
            with redis_server() as (url, pid):
                results.append(await run_store(store, RedisProbe(url, pid), args, count))
            print(table(results[-1:]), flush=True)
    print(table(results))
    summary = ratios(results)
    for name, ratio in summary.items():
        print(f"server CPU per escalation, paced, {name}: {ratio}")
    for result in results:
        sent = result["paced"].get("sent_by_command")
        if sent and result["store"] != "sqlite":
            top = ", ".join(f"{k} {v}" for k, v in list(sent.items())[:12])
            print(f"{result['store']} commands sent per escalation (paced): {top}")
            paced = result["paced"]
            spent = ", ".join(f"{k} {v}" for k, v in list(paced["redis_us_by_command"].items())[:8])
            print(
                f"{result['store']} Redis CPU per escalation (paced): "
                f"{paced['redis_cpu_ms_per_esc']} ms, one Redis tops out near "
                f"{paced['redis_ceiling_esc_per_s']} escalations/s; running commands, "
                f"µs per escalation: {spent}"
            )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"escalation-{utcnow():%Y%m%dT%H%M%S}.json"
    meta = {"args": vars(args), "cpus": os.cpu_count(), "load": os.getloadavg()}
    out.write_text(json.dumps({"meta": meta, "results": results, "ratios": summary}, indent=2))
    print(f"wrote {out}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--stores", default="sqlite,redis")
    parser.add_argument("--nodes", default="1", help="Redis runs with these node counts: 1,2")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0, help="paced creates/s")
    parser.add_argument("--seconds", type=float, default=8.0, help="per phase")
    parser.add_argument("--hold", type=float, default=0.5, help="s an agent holds a session")
    parser.add_argument(
        "--drain", type=float, default=20.0, help="s to wait for the last lifecycles to end"
    )
    parser.add_argument("--agent-procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--agents-nice", type=int, default=10, help="their niceness (0: none)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
