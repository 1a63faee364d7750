"""SIGTERM: the node stops listening, tells its clients to reconnect elsewhere
(``draining``, co-browse close 1012), hands its deadlines over and exits within a
bound; a rolling restart of both nodes under load loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import aiohttp
import pytest

from tests.faults.clients import CobrowseClient, EventStream
from tests.faults.cluster import Node
from tests.faults.ledger import audit, check_prefix
from tests.faults.proxy import TcpProxy
from tests.faults.scenes import call_in_progress
from tests.faults.test_inflight_escalations import create_until_done
from tests.support.api import bearer, login
from tests.support.escalations import API_KEY, EMAILS, set_presence

EXIT_WITHIN_S = 8.0  # drain grace 1 s + aiohttp's shutdown + the store's close
BACK_WITHIN_S = 3.0
WATCHED = 10  # escalations of the rolling restart followed over SSE, as widgets do


async def refuses(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


@pytest.mark.node_env(COVIEW_RECONNECT_WINDOW_S="30")
async def test_sigterm_drains_clients_to_the_other_node(
    pair: tuple[Node, Node, TcpProxy], http: aiohttp.ClientSession
) -> None:
    a, _, proxy = pair
    call = await call_in_progress(http, a, proxy.url, proxy.url)
    agent, customer = call.agent, call.customer
    sharer = CobrowseClient(http, proxy.url, call.customer_token).start()
    await sharer.next("hello")
    await sharer.send({"t": "events", "seq": 1, "full": True}, json.dumps([{"type": 2}]).encode())
    await sharer.next("ack")

    stopping = asyncio.create_task(a.stop(within_s=EXIT_WITHIN_S))
    told_at = time.monotonic()
    await asyncio.sleep(0.2)  # SIGTERM delivered and handled: nothing to await from here
    assert await refuses(a.port)  # no new sockets while it drains
    await agent.joined(wait_s=BACK_WITHIN_S)  # on b now
    await customer.joined(wait_s=BACK_WITHIN_S)
    assert time.monotonic() - told_at < BACK_WITHIN_S
    await sharer.next("hello", BACK_WITHIN_S)
    assert 1012 in sharer.close_codes
    code, took_s = await stopping
    assert code == 0 and took_s < EXIT_WITHIN_S, (code, took_s)
    assert (await agent.offer_to(customer.peer_id, "v=0\r\n")).get("ok")
    # Both were told (and left on their own, before the node closed their transports).
    told = [e for c in (agent, customer) for e, _ in c.events.log if e == "draining"]
    assert len(told) == 2, (agent.events.log, customer.events.log)
    for client in (agent, customer):
        await client.close()
    await sharer.close()


@pytest.mark.timeout(180)  # four process starts and stops on a shared 2-core box
@pytest.mark.node_env(COVIEW_RECONNECT_WINDOW_S="30")
async def test_rolling_restart_under_load_loses_nothing(
    pair: tuple[Node, Node, TcpProxy], http: aiohttp.ClientSession
) -> None:
    a, b, proxy = pair
    for who in ("ana", "bruno", "carla"):
        await set_presence(http, a, await login(http, a, EMAILS[who]), "available")
    results: dict[str, tuple[float, str]] = {}
    streams: dict[str, EventStream] = {}
    stop = asyncio.Event()

    async def load() -> None:  # 10 creates/s through the proxy, each watched over SSE
        i = 0
        while not stop.is_set():
            key = f"r{i}"
            await create_until_done(http, proxy.url, key, results)
            esc_id = results[key][1]
            async with http.get(
                f"{proxy.url}/api/escalations/{esc_id}",
                headers=bearer(API_KEY),
            ) as r:
                assert r.status == 200
            i += 1
            await asyncio.sleep(0.1)

    async def watch() -> None:
        while not stop.is_set():
            for _, esc_id in list(results.values())[:WATCHED]:
                if esc_id not in streams:
                    streams[esc_id] = EventStream(http, proxy.url, esc_id, API_KEY).start()
            await asyncio.sleep(0.1)

    tasks = [asyncio.create_task(load()), asyncio.create_task(watch())]
    try:
        await asyncio.sleep(1)
        for node in (a, b):  # one at a time, as a rolling deploy does
            code, took_s = await node.stop(within_s=EXIT_WITHIN_S)
            assert code == 0 and took_s < EXIT_WITHIN_S
            await node.start()
            await asyncio.sleep(1)
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(Exception):
                await task
    assert len(results) >= 20
    before = await audit(http, proxy.url, [esc_id for _, esc_id in results.values()])
    await asyncio.sleep(1)  # the streams catch up with those writes (SSE polls 0.2 s)
    for stream in streams.values():
        await stream.close()
    after = await audit(http, proxy.url, before)
    for esc_id, stream in streams.items():
        check_prefix(esc_id, stream.seen, after[esc_id], at_least=len(before[esc_id]))
