"""Coaching signaling at scale (issue #25): N concurrent four-party sessions (customer,
agent, expert, supervisor), signaling only (no media). The server runs in its own
process; this one drives one Socket.IO client per participant.

Each round, in every session: each of the six pairs exchanges an offer, an answer and
two ICE candidates; the supervisor cycles whisper → barge → observe, with the offers
the server checks for each mode (and one it must refuse). Latency is measured from
send to delivery at the other peer (a timestamp in the SDP).

    python -m bench.coaching [--sessions 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from bench.common import cpu_seconds, summary_ms, write_result

SENDING = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=x-t:{t}\r\n"
LISTENING = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\na=x-t:{t}\r\n"
CANDIDATE = "candidate:1 1 udp 2122260223 10.0.0.1 {port} typ host"


def serve(port: int, sessions: int, ready: Any) -> None:
    """Child process: the server, with sessions, their agents, supervisors and invites."""
    from aiohttp import web

    from server.app import create_app
    from server.platform.auth.invites import issue_invite
    from server.platform.auth.keys import PASSWORDS
    from server.platform.keys import CONFIG, STORE
    from store.models import Agent, Session
    from tests.support.harness import make_config

    async def main() -> None:
        config = make_config(Path(tempfile.mkdtemp()), port=port, log_level="WARNING")
        app = create_app(config)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        store = app[STORE]
        password = app[PASSWORDS].hash("bench")
        rooms = []
        for i in range(sessions):
            for kind, role in (("agent", "agent"), ("sup", "supervisor")):
                await store.create_agent(
                    Agent(
                        id=f"ag_{kind}{i}",
                        tenant_id="demo",
                        email=f"{kind}{i}@bench.coview",
                        name=f"{kind} {i}",
                        role=role,
                        password_hash=password,
                    )
                )
            session = Session(id=f"s_bench{i}", tenant_id="demo", agent_ids=[f"ag_agent{i}"])
            await store.create_session(session)
            customer = await issue_invite(store, app[CONFIG], session, "customer")
            expert = await issue_invite(store, app[CONFIG], session, "participant")
            rooms.append(
                {
                    "id": session.id,
                    "invites": [customer.id, expert.id],
                    "emails": [f"agent{i}@bench.coview", f"sup{i}@bench.coview"],
                }
            )
        ready.send({"url": config.base_url, "rooms": rooms, "pid": os.getpid()})
        await asyncio.Event().wait()

    asyncio.run(main())


class Peer:
    def __init__(self, latencies: list[float]) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.id = ""
        self.client.on("signal", self._on_signal, namespace="/session")
        self.latencies = latencies

    async def _on_signal(self, data: dict[str, Any]) -> None:
        sdp = (data.get("description") or {}).get("sdp", "")
        if "a=x-t:" in sdp:
            sent = float(sdp.rsplit("a=x-t:", 1)[1].split("\r\n", 1)[0])
            self.latencies.append(time.perf_counter() - sent)

    async def connect(self, url: str, token: str, session_id: str) -> None:
        await self.client.connect(
            url, namespaces=["/session"], transports=["websocket"], auth={"token": token}
        )
        ack = await self.call("join", {"session_id": session_id})
        assert ack["ok"], ack
        self.id = ack["self"]["id"]

    async def call(self, event: str, data: Any) -> dict[str, Any]:
        ack: dict[str, Any] = await self.client.call(event, data, namespace="/session")
        return ack

    async def describe(self, to: str, kind: str, template: str) -> dict[str, Any]:
        sdp = template.format(t=time.perf_counter())
        return await self.call("signal", {"to": to, "description": {"type": kind, "sdp": sdp}})


async def tokens(http: aiohttp.ClientSession, url: str, room: dict[str, Any]) -> list[str]:
    found = []
    for invite in room["invites"]:
        async with http.post(f"{url}/api/join", json={"invite": invite}) as r:
            found.append((await r.json())["token"])
    for email in room["emails"]:
        body = {"email": email, "password": "bench"}
        async with http.post(f"{url}/api/auth/login", json=body) as r:
            found.append((await r.json())["access_token"])
    return found  # customer, expert, agent, supervisor


async def run(sessions: int, seconds: float) -> dict[str, Any]:
    port = 18_600 + os.getpid() % 1000
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=serve, args=(port, sessions, child), daemon=True)
    proc.start()
    setup = parent.recv()
    url = setup["url"]
    latencies: list[float] = []
    acks: list[float] = []
    counts = {"signals": 0, "refused_as_expected": 0, "unexpected": 0, "rounds": 0}
    groups: list[list[Peer]] = []
    async with aiohttp.ClientSession() as http:
        for room in setup["rooms"]:
            peers = [Peer(latencies) for _ in range(4)]
            for peer, token in zip(peers, await tokens(http, url, room), strict=True):
                await peer.connect(url, token, room["id"])
            groups.append(peers)

    async def timed(peer: Peer, to: str, kind: str, template: str, ok: bool) -> None:
        started = time.perf_counter()
        ack = await peer.describe(to, kind, template)
        acks.append(time.perf_counter() - started)
        counts["signals"] += 1
        if ack["ok"] != ok:
            counts["unexpected"] += 1
        elif not ok:
            counts["refused_as_expected"] += 1

    async def session_loop(peers: list[Peer], offset: float) -> None:
        customer, expert, agent, supervisor = peers
        await asyncio.sleep(offset)
        while time.perf_counter() - started < seconds:
            for a, b in itertools.combinations((customer, expert, agent), 2):
                await timed(a, b.id, "offer", SENDING, True)
                await timed(b, a.id, "answer", SENDING, True)
                for port in (1, 2):
                    cand = {"candidate": CANDIDATE.format(port=port), "sdpMid": "0"}
                    await a.call("signal", {"to": b.id, "candidate": cand})
                    counts["signals"] += 1
            for other in (customer, expert, agent):  # observing: receive only
                await timed(supervisor, other.id, "offer", LISTENING, True)
            await supervisor.call("coach", {"mode": "whisper"})
            await timed(supervisor, agent.id, "offer", SENDING, True)
            await timed(supervisor, customer.id, "offer", SENDING, False)  # refused
            await supervisor.call("coach", {"mode": "barge"})
            await timed(supervisor, customer.id, "offer", SENDING, True)
            await supervisor.call("coach", {"mode": "observe"})
            counts["rounds"] += 1
            await asyncio.sleep(1.0)

    cpu_before, started = cpu_seconds(setup["pid"]), time.perf_counter()
    await asyncio.gather(*(session_loop(peers, i / len(groups)) for i, peers in enumerate(groups)))
    await asyncio.sleep(0.3)
    elapsed = time.perf_counter() - started
    cpu_used = cpu_seconds(setup["pid"]) - cpu_before
    for peers in groups:
        for peer in peers:
            await peer.client.disconnect()
    proc.terminate()
    proc.join(5)
    return {
        "sessions": sessions,
        "participants": sessions * 4,
        "seconds": round(elapsed, 1),
        **counts,
        "signals_per_s": round(counts["signals"] / elapsed, 1),
        "server_cpu_percent": round(100 * cpu_used / elapsed, 1),
        "delivery_latency": summary_ms(latencies),
        "ack_latency": summary_ms(acks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.sessions, args.seconds))
    lat, ack = result["delivery_latency"], result["ack_latency"]
    header = ("sessions", "signals/s", "deliver p50", "p99", "ack p50", "p99", "server CPU")
    print("{:>9} {:>10} {:>12} {:>8} {:>8} {:>8} {:>11}".format(*header))
    print(
        f"{result['sessions']:>9} {result['signals_per_s']:>10} {lat['p50_ms']:>9} ms "
        f"{lat['p99_ms']:>8} {ack['p50_ms']:>8} {ack['p99_ms']:>8} "
        f"{result['server_cpu_percent']:>10}%"
    )
    print(
        f"unexpected acks: {result['unexpected']} (refused as expected: "
        f"{result['refused_as_expected']})"
    )
    print("wrote", write_result("coaching", result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
