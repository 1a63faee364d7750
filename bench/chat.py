"""Chat delivery latency: N concurrent conversations at R messages/s each, one server.

The server runs in its own process (SQLite store); this process is the load generator:
one Socket.IO client per customer and one per agent (each agent holds 4 chats, the
default chat capacity). Every message is timestamped when sent and measured when the
other side receives it.

    python -m bench.chat [--conversations 200] [--rate 1] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import socketio

from bench.common import cpu_seconds, summary_ms, write_result

CHATS_PER_AGENT = 4


def serve(port: int, conversations: int, ready: Any) -> None:
    """Child process: the server, with conversations already assigned to agents."""
    from aiohttp import web

    from escalation.chat.conversations import CHAT_SERVICE
    from server.app import create_app
    from server.platform.auth.keys import PASSWORDS
    from server.platform.auth.principals import SitePrincipal
    from server.platform.keys import STORE
    from store.models import Agent
    from tests.support.harness import make_config

    async def main() -> None:
        config = make_config(Path(tempfile.mkdtemp()), port=port, log_level="WARNING")
        app = create_app(config)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        store, service = app[STORE], app[CHAT_SERVICE]
        site = SitePrincipal(await store.get_site_by_key(config.demo_site_key))  # type: ignore[arg-type]
        agents = []
        for index in range((conversations + CHATS_PER_AGENT - 1) // CHATS_PER_AGENT):
            agent = Agent(
                id=f"ag_bench{index}",
                tenant_id="demo",
                email=f"bench{index}@demo.coview",
                name=f"Bench {index}",
                password_hash=app[PASSWORDS].hash("bench"),
            )
            await store.create_agent(agent)
            agents.append(agent)
        chats = []
        for index in range(conversations):
            conversation, token = await service.create_conversation(site, {}, "es")
            agent = agents[index // CHATS_PER_AGENT]
            await store.update_conversation(
                conversation.model_copy(update={"agent_id": agent.id, "state": "agent"})
            )
            chats.append({"id": conversation.id, "token": token, "agent": agent.email})
        ready.send({"url": config.base_url, "chats": chats, "pid": os.getpid()})
        await asyncio.Event().wait()

    asyncio.run(main())


async def login(url: str, email: str) -> str:
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/api/auth/login", json={"email": email, "password": "bench"}) as r,
    ):
        token: str = (await r.json())["access_token"]
        return token


async def run(conversations: int, rate: float, seconds: float) -> dict[str, Any]:
    port = 18_500 + os.getpid() % 1000
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=serve, args=(port, conversations, child), daemon=True)
    proc.start()
    setup = parent.recv()
    url, chats = setup["url"], setup["chats"]
    latencies: list[float] = []
    sent = 0

    def recorder(client_name: str) -> Any:
        async def on_message(data: dict[str, Any]) -> None:
            stamp = data.get("text", "").split("|")[0]
            if stamp.startswith("t="):
                latencies.append(time.perf_counter() - float(stamp[2:]))

        return on_message

    clients: list[socketio.AsyncClient] = []
    agent_clients: dict[str, socketio.AsyncClient] = {}
    for email in sorted({c["agent"] for c in chats}):
        client = socketio.AsyncClient(reconnection=False)
        client.on("message", recorder(email), namespace="/chat")
        await client.connect(
            url,
            namespaces=["/chat"],
            transports=["websocket"],
            auth={"token": await login(url, email)},
        )
        agent_clients[email] = client
    customers = []
    for chat in chats:
        client = socketio.AsyncClient(reconnection=False)
        client.on("message", recorder(chat["id"]), namespace="/chat")
        await client.connect(
            url, namespaces=["/chat"], transports=["websocket"], auth={"token": chat["token"]}
        )
        await client.call("join", {"conversation_id": chat["id"]}, namespace="/chat")
        await agent_clients[chat["agent"]].call(
            "join", {"conversation_id": chat["id"]}, namespace="/chat"
        )
        customers.append((client, chat))
    clients = [*agent_clients.values(), *(c for c, _ in customers)]

    cpu_before, started = cpu_seconds(setup["pid"]), time.perf_counter()

    async def talk(client: socketio.AsyncClient, chat: dict[str, str], offset: float) -> None:
        nonlocal sent
        await asyncio.sleep(offset)
        agent = agent_clients[chat["agent"]]
        turn = 0
        while time.perf_counter() - started < seconds:
            speaker = client if turn % 2 == 0 else agent
            turn += 1
            payload = {"conversation_id": chat["id"], "text": f"t={time.perf_counter()}|hola"}
            await speaker.emit("message", payload, namespace="/chat")
            sent += 1
            await asyncio.sleep(1 / rate)

    await asyncio.gather(
        *(talk(c, chat, i / len(customers) / rate) for i, (c, chat) in enumerate(customers))
    )
    await asyncio.sleep(0.5)  # let the last messages land
    elapsed = time.perf_counter() - started
    cpu_used = cpu_seconds(setup["pid"]) - cpu_before
    for client in clients:
        await client.disconnect()
    proc.terminate()
    proc.join(5)
    return {
        "conversations": conversations,
        "rate_per_conversation": rate,
        "seconds": round(elapsed, 1),
        "sent": sent,
        "delivered": len(latencies),
        "messages_per_s": round(len(latencies) / elapsed, 1),
        "server_cpu_percent": round(100 * cpu_used / elapsed, 1),
        "latency": summary_ms(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1.0, help="messages/s per conversation")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.conversations, args.rate, args.seconds))
    lat = result["latency"]
    header = ("conversations", "msg/s", "delivered", "p50 ms", "p99 ms", "server CPU")
    print("{:>14} {:>8} {:>10} {:>8} {:>8} {:>11}".format(*header))
    print(
        f"{result['conversations']:>14} {result['messages_per_s']:>8} "
        f"{result['delivered']:>5}/{result['sent']:<5}{lat['p50_ms']:>7} {lat['p99_ms']:>8} "
        f"{result['server_cpu_percent']:>10}%"
    )
    print("wrote", write_result("chat", result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
