"""Soak (issue #22): two ``coview serve`` nodes on one redis-server behind a TCP proxy
(nginx's role in the compose file), a steady mixed load, node a killed (SIGKILL) at one
third and restarted at two thirds. Loopback only, bounded in time.

Load: co-browse sessions (each a customer socket sending rrweb batches and a viewer
receiving them; ``--batches-per-s`` is the rate over all sessions), call sessions
(``/session`` pairs: the agent sends an offer each second, the customer receives it),
escalations created at ``--escalations-per-s`` with an Idempotency-Key and retried on
failure like a careful bot, offered to soak agents who accept, wrap up and complete.

Prints errors, p99 latencies before / during (a dead) / after, lost and duplicated
escalation events, RSS per node at start and end; writes bench/results/soak.json;
exits 1 when anything was lost or duplicated or memory grew past ``MEMORY_BOUND_MIB``.

    python -m bench.soak --minutes 0.5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from bench.common import percentile, write_result
from server.platform.auth.tokens import TokenService
from store.models import Session
from store.redis import RedisStore
from tests.faults.clients import CallClient, CobrowseClient, FeedClient
from tests.faults.cluster import nodes, pair_env
from tests.faults.ledger import check_log
from tests.faults.proxy import TcpProxy
from tests.support.api import bearer, login
from tests.support.escalations import API_KEY, body
from tests.support.harness import TEST_SECRET, redis_server

MEMORY_BOUND_MIB = 150  # growth of a node's RSS from start to end that fails the run
PHASES = ("before", "during", "after")
NODE_ENV = {
    "COVIEW_OFFER_TIMEOUT_S": "5",
    "COVIEW_RECONNECT_WINDOW_S": "60",
    "COVIEW_DEADLINE_LEASE_S": "3",
    "COVIEW_WEBHOOK_LEASE_S": "3",
}
CALL_AGENT = "ag_ana"  # holds the co-browse and call sessions; never routed to


async def pace(start: float, offset_s: float) -> None:
    """Sleep until ``offset_s`` after ``start``: a steady rate that does not drift."""
    await asyncio.sleep(max(0.0, start + offset_s - time.monotonic()))


class Stats:
    def __init__(self, minutes: float) -> None:
        self.started = time.monotonic()
        self.length_s = minutes * 60
        self.latency: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.errors: Counter[str] = Counter()

    def error(self, kind: str) -> None:
        self.errors[f"{self.phase()}: {kind}"] += 1

    def phase(self, at: float | None = None) -> str:
        third = int(3 * ((at or time.monotonic()) - self.started) / self.length_s)
        return PHASES[min(2, max(0, third))]

    def sample(self, kind: str, sent_at: float) -> None:
        self.latency[kind][self.phase(sent_at)].append(time.monotonic() - sent_at)

    def p99s(self) -> dict[str, dict[str, Any]]:
        return {
            kind: {
                phase: {
                    "count": len(values),
                    "p50_ms": round(percentile(values, 50) * 1000, 1),
                    "p99_ms": round(percentile(values, 99) * 1000, 1),
                }
                for phase, values in ((p, by_phase.get(p, [])) for p in PHASES)
            }
            for kind, by_phase in self.latency.items()
        }


class Soak:
    def __init__(self, args: argparse.Namespace, proxy: TcpProxy, store: RedisStore) -> None:
        self.args, self.proxy, self.store = args, proxy, store
        self.url = proxy.url
        self.stats = Stats(args.minutes)
        self.stop = asyncio.Event()
        self.created: dict[str, str] = {}  # idempotency key -> escalation id
        self.accepted: Counter[str] = Counter()  # escalation id -> accepts that got 200
        self.completed: set[str] = set()
        self.tokens = TokenService(TEST_SECRET, 3600, 86_400)

    # escalations --------------------------------------------------------------------
    async def create_one(self, http: aiohttp.ClientSession, key: str) -> None:
        sent = time.monotonic()
        headers = {**bearer(API_KEY), "Idempotency-Key": key}
        payload = body(modalities=["chat"], channel="chat")
        payload["context"]["attributes"] = {"soak_key": key}  # duplicates show by key
        while time.monotonic() - sent < 30:
            try:
                async with http.post(
                    f"{self.url}/api/escalations", json=payload, headers=headers
                ) as r:
                    if r.status in (200, 201):
                        self.created[key] = (await r.json())["escalation"]["id"]
                        self.stats.sample("create", sent)
                        return
                    self.stats.error(f"create {r.status}")
                    retry = float(r.headers.get("Retry-After", "0.2"))
            except (aiohttp.ClientError, ConnectionError):
                self.stats.error("create connection")
                retry = 0.2
            await asyncio.sleep(min(retry, 1.0))
        self.stats.error("create gave up")

    async def escalations(self, http: aiohttp.ClientSession) -> None:
        tasks: set[asyncio.Task[None]] = set()
        i, start = 0, time.monotonic()
        while not self.stop.is_set():
            task = asyncio.create_task(self.create_one(http, f"soak-{i}"))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
            await asyncio.sleep(
                max(0.0, start + i / self.args.escalations_per_s - time.monotonic())
            )
        if tasks:
            await asyncio.wait(tasks, timeout=35)

    async def agent(self, http: aiohttp.ClientSession, token: str) -> None:
        """Accept each offer, hold it a moment, wrap up and complete."""
        feed = await FeedClient(self.url, token).connect()
        busy: set[str] = set()
        handling: set[asyncio.Task[None]] = set()

        async def handle(esc_id: str) -> None:
            try:
                if await self.act(http, esc_id, "accept", token) != 200:
                    return  # stale (a resent offer, or expired meanwhile)
                self.accepted[esc_id] += 1
                await asyncio.sleep(0.3)
                wrapped = await self.act(http, esc_id, "wrap_up", token) == 200
                if wrapped and await self.act(http, esc_id, "complete", token) == 200:
                    self.completed.add(esc_id)
            finally:
                busy.discard(esc_id)

        try:
            while not self.stop.is_set():
                with contextlib.suppress(TimeoutError):
                    offer = await feed.events.next("offer", 0.5)
                    esc_id = offer["escalation"]["id"]
                    if esc_id not in busy:
                        busy.add(esc_id)
                        task = asyncio.create_task(handle(esc_id))
                        handling.add(task)
                        task.add_done_callback(handling.discard)
        finally:
            if handling:
                await asyncio.wait(handling, timeout=10)
            await feed.close()

    async def act(self, http: aiohttp.ClientSession, esc_id: str, action: str, token: str) -> int:
        for _ in range(20):
            try:
                async with http.post(
                    f"{self.url}/api/escalations/{esc_id}/{action}", json={}, headers=bearer(token)
                ) as r:
                    await r.read()
                    if r.status >= 500:
                        self.stats.error(f"{action} {r.status}")
                        await asyncio.sleep(0.2)
                        continue
                    return r.status
            except (aiohttp.ClientError, ConnectionError):
                self.stats.error(f"{action} connection")
                await asyncio.sleep(0.2)
        return 0

    # sessions -----------------------------------------------------------------------
    async def open_session(self) -> tuple[str, str]:
        session = Session(
            id="s_soak" + secrets.token_hex(5), tenant_id="demo", agent_ids=[CALL_AGENT]
        )
        await self.store.create_session(session)
        token = self.tokens.issue_session(
            session_id=session.id,
            tenant_id="demo",
            role="customer",
            participant_id="p_" + secrets.token_hex(5),
            name="Soak",
        )
        return session.id, token.token

    async def cobrowse(
        self, http: aiohttp.ClientSession, sessions: list[tuple[str, str]], agent: str
    ) -> None:
        pairs = []
        for session_id, token in sessions:
            customer = CobrowseClient(http, self.url, token).start()
            viewer = CobrowseClient(http, self.url, agent, session_id).start()
            pairs.append((customer, viewer))
        sent_at: dict[tuple[int, int], float] = {}  # (session, seq) -> when sent
        for n, (_, viewer) in enumerate(pairs):
            asyncio.create_task(self.view(viewer, n, sent_at))  # noqa: RUF006 (ends with it)
        seq: Counter[int] = Counter()
        i, start = 0, time.monotonic()
        try:
            while not self.stop.is_set():
                n = i % len(pairs)
                customer, _ = pairs[n]
                seq[n] += 1
                events = [{"type": 3, "timestamp": 1, "data": {"source": 0}}]
                sent_at[(n, seq[n])] = time.monotonic()
                header: dict[str, Any] = {"t": "events", "seq": seq[n]}
                if seq[n] == 1 or customer.opened != getattr(customer, "sent_on", 0):
                    header["full"] = True  # the widget's fresh snapshot after each (re)connect
                    customer.sent_on = customer.opened  # type: ignore[attr-defined]
                try:
                    await asyncio.wait_for(customer.send(header, json.dumps(events).encode()), 2)
                except (TimeoutError, ConnectionError, aiohttp.ClientError):
                    self.stats.error("cobrowse batch not sent (socket down)")
                i += 1
                await pace(start, i / self.args.batches_per_s)
        finally:
            for customer, viewer in pairs:
                await customer.close()
                await viewer.close()

    async def view(
        self, viewer: CobrowseClient, n: int, sent_at: dict[tuple[int, int], float]
    ) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while not self.stop.is_set():
                with contextlib.suppress(TimeoutError):
                    header, _ = await viewer.next("events", 1.0)
                    sent = sent_at.pop((n, int(header.get("seq", 0))), None)
                    if sent is not None:  # None: a repeat after a checkpoint
                        self.stats.sample("cobrowse relay", sent)

    async def calls(self, sessions: list[tuple[str, str]], agent: str) -> None:
        pairs = []
        for session_id, token in sessions:
            a = await CallClient(self.url, agent, session_id).connect()
            c = await CallClient(self.url, token, session_id).connect()
            await a.joined()
            await c.joined()
            pairs.append((a, c))
        try:
            while not self.stop.is_set():
                for a, c in pairs:
                    sent = time.monotonic()
                    try:
                        ack = await a.offer_to(c.peer_id, f"v=0\r\ns=soak {sent}\r\n")
                        if not ack.get("ok"):
                            self.stats.error("signal refused")
                            continue
                        await c.events.next("signal", 2)
                        self.stats.sample("signal relay", sent)
                    except (TimeoutError, ConnectionError, socketio.exceptions.SocketIOError):
                        self.stats.error("signal lost (socket down)")
                await asyncio.sleep(1)
        finally:
            for a, c in pairs:
                await a.close()
                await c.close()

    # the ledger ---------------------------------------------------------------------
    async def audit(self) -> dict[str, int]:
        ids = set(self.created.values())
        stored = {e.id: e for e in await self.store.list_escalations("demo", limit=1_000_000)}
        lost = sum(1 for esc_id in ids if esc_id not in stored)
        per_key = Counter(
            e.context.attributes.get("soak_key") for e in stored.values() if e.context.attributes
        )
        duplicated = sum(n - 1 for key, n in per_key.items() if key is not None)
        unanswered = sum(1 for e in stored.values() if e.id not in ids)
        broken = 0
        for esc_id in ids & set(stored):
            events = await self.store.list_events(esc_id)
            views = [{"seq": e.seq, "type": e.type} for e in events]
            try:
                check_log(esc_id, views)
            except AssertionError as exc:
                broken += 1
                print("integrity:", exc, file=sys.stderr)
            completed = any(e.type == "completed" for e in events)
            if esc_id in self.completed and not completed:
                lost += 1  # an acknowledged completion missing
        return {
            "acknowledged_creates": len(ids),
            "lost": lost,
            "duplicated": duplicated + sum(1 for n in self.accepted.values() if n > 1),
            "written_but_never_answered": unanswered,
            "broken_logs": broken,
            "completed": len(self.completed),
        }


async def run(args: argparse.Namespace, redis_url: str) -> int:
    base = Path(tempfile.mkdtemp(prefix="coview-soak-"))
    envs = pair_env(redis_url, **NODE_ENV)
    # No connection limit: the co-browse sockets alone hold 2 per session.
    connector = aiohttp.TCPConnector(limit=0)
    async with nodes(base, envs) as started, aiohttp.ClientSession(connector=connector) as http:
        a, b = started["a"], started["b"]
        proxy = await TcpProxy([a.port, b.port]).start()
        store = RedisStore(redis_url, prefix=a.env["COVIEW_REDIS_PREFIX"])
        await store.open()
        soak = Soak(args, proxy, store)
        admin = await login(http, a, "admin@demo.coview", "coview-admin")
        agent_tokens = []
        for n in range(args.agents):
            email = f"soak{n}@demo.coview"
            async with http.post(
                f"{a.url}/api/admin/agents",
                headers=bearer(admin),
                json={
                    "languages": ["es", "en", "pt"],
                    "email": email,
                    "name": f"Soak {n}",
                    "password": "soak-password",
                    "capacity": {"chat": 20},
                },
            ) as r:
                assert r.status == 201, await r.text()
            token = await login(http, a, email, "soak-password")
            async with http.put(
                f"{a.url}/api/agents/me/presence",
                json={"status": "available"},
                headers=bearer(token),
            ) as r:
                assert r.status == 200, await r.text()
            agent_tokens.append(token)
        ana = await login(http, a, "ana@demo.coview")
        sessions = [await soak.open_session() for _ in range(max(args.sessions, args.calls))]
        rss_start = {"a": a.rss_kib(), "b": b.rss_kib()}
        soak.stats.started = time.monotonic()
        print(f"soak: {args.minutes} min on {a.url} and {b.url} via {proxy.url}", flush=True)

        load = [
            asyncio.create_task(soak.escalations(http)),
            asyncio.create_task(soak.cobrowse(http, sessions[: args.sessions], ana)),
            asyncio.create_task(soak.calls(sessions[: args.calls], ana)),
            *(asyncio.create_task(soak.agent(http, t)) for t in agent_tokens),
        ]
        length, t0 = args.minutes * 60, soak.stats.started
        await pace(t0, length / 3)
        a.kill()
        print(f"{time.monotonic() - t0:6.1f} s: node a killed", flush=True)
        await pace(t0, 2 * length / 3)
        print(f"{time.monotonic() - t0:6.1f} s: node a restarting", flush=True)
        restart = asyncio.create_task(a.start())  # the clock goes on while it starts
        await pace(t0, length)
        soak.stop.set()
        await restart
        print(f"node a was ready {a.ready_at - t0:.1f} s in", flush=True)
        await asyncio.gather(*load, return_exceptions=True)
        await asyncio.sleep(2)  # completions in flight land
        rss_end = {"a": a.rss_kib(), "b": b.rss_kib()}
        ledger = await soak.audit()
        await store.close()
        await proxy.close()

    growth = {n: round((rss_end[n] - rss_start[n]) / 1024, 1) for n in rss_start}
    result = {
        "minutes": args.minutes,
        "load": {
            "cobrowse_sessions": args.sessions,
            "batches_per_s": args.batches_per_s,
            "call_sessions": args.calls,
            "escalations_per_s": args.escalations_per_s,
            "agents": args.agents,
        },
        "latency": soak.stats.p99s(),
        "errors": dict(soak.stats.errors),
        "ledger": ledger,
        "rss_mib": {
            "start": {n: round(v / 1024, 1) for n, v in rss_start.items()},
            "end": {n: round(v / 1024, 1) for n, v in rss_end.items()},
            "growth": growth,
            "bound": MEMORY_BOUND_MIB,
            "note": "node a's end is the restarted process",
        },
    }
    print(json.dumps(result, indent=2))
    print("wrote", write_result("soak", result))
    failed = ledger["lost"] or ledger["duplicated"] or ledger["broken_logs"]
    over = growth["b"] > MEMORY_BOUND_MIB
    return 1 if failed or over else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sessions", type=int, default=100, help="co-browse sessions")
    parser.add_argument("--batches-per-s", type=float, default=20.0, help="over all sessions")
    parser.add_argument("--calls", type=int, default=20, help="signaling sessions")
    parser.add_argument("--escalations-per-s", type=float, default=20.0)
    parser.add_argument("--agents", type=int, default=10)
    args = parser.parse_args(argv)
    if args.minutes < 0.5:
        parser.error("--minutes must be at least 0.5")
    with redis_server() as url:
        sys.exit(asyncio.run(run(args, url)))


if __name__ == "__main__":
    main()
