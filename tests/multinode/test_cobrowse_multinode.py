"""Co-browse across two nodes sharing one real redis-server."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from cobrowse.frames import parse_frame
from cobrowse.hub import SESSION_ENDED
from server.platform.keys import STORE
from tests.support.api import customer_token, login, open_session
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.escalations import act, body, console, create
from tests.support.harness import RunningServer

SNAPSHOT = [{"type": 2, "data": {"node": {"id": 1, "type": 0, "childNodes": []}}}]


async def test_customer_on_a_agent_on_b_relay_checkpoint_and_control(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        session = await open_session(a)
        customer = await CobrowsePeer.connect(http, a.url, await customer_token(http, a, session))
        await customer.next("hello")
        await customer.send_events(1, SNAPSHOT, full=True)
        await customer.send_events(2, [{"type": 3, "data": {"text": "4539 1488 0343 6467"}}])
        await customer.acked(2)

        agent = await CobrowsePeer.connect(http, b.url, await login(http, b), session.id)
        header, payload = await agent.next("checkpoint")  # read from Redis on node B
        assert header["seq"] == 2
        events = json.loads(payload)
        assert events[0] == SNAPSHOT[0] and "4539" not in events[1]["data"]["text"]

        await customer.send_events(3, [{"type": 3, "data": {"text": "live"}}])
        header, payload = await agent.next("events")  # A -> Redis pub/sub -> B
        assert header["seq"] == 3 and b"live" in payload

        await agent.send({"t": "input", "kind": "click", "node_id": 1})
        assert (await agent.next("error"))[0]["code"] == "forbidden"
        await agent.send({"t": "control-request"})
        await customer.next("control-request")
        await customer.send({"t": "control-grant"})
        await agent.next("control-grant")
        await agent.send({"t": "input", "kind": "click", "node_id": 1})
        assert (await customer.next("input"))[0]["node_id"] == 1
        await customer.close()
        await agent.close()


async def closed_with(peer: CobrowsePeer) -> int | None:
    """Read until the socket closes; the code of the server's close frame. Not
    ``ws.close_code``: aiohttp's server drops the connection right after its close
    frame when it closes a socket whose handler is reading, so the client's close reply
    can meet a closed transport and aiohttp's client then reports 1006 (a browser's
    CloseEvent still carries the frame's code)."""
    async with asyncio.timeout(3):
        while not peer.ws.closed:
            message = await peer.ws.receive()
            if message.type == aiohttp.WSMsgType.CLOSE:
                return int(message.data)
            if message.type == aiohttp.WSMsgType.CLOSED:
                break
            peer.seen.append(parse_frame(message.data))
    return peer.ws.close_code


async def test_when_the_conversation_ends_every_cobrowse_socket_closes_on_every_node(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        token, feed = await console(http, a, "ana")
        try:
            created = await create(http, b, body(modalities=["cobrowse"]))
            esc_id = created["escalation"]["id"]
            await feed.next("offer")
            assert (await act(http, a, esc_id, "accept", token)).status == 200
        finally:
            await feed.close()
        session_id = created["escalation"]["session_id"]
        customer = await CobrowsePeer.connect(http, a.url, created["customer"]["token"])
        await customer.next("hello")
        await customer.send_events(1, SNAPSHOT, full=True)
        await customer.acked(1)
        agent = await CobrowsePeer.connect(http, b.url, token, session_id)
        await agent.next("checkpoint")

        assert (await act(http, a, esc_id, "wrap_up", token)).status == 200
        assert await closed_with(customer) == SESSION_ENDED
        assert await closed_with(agent) == SESSION_ENDED
        ends = [h for h, _ in customer.seen + agent.seen if h["t"] == "end"]
        assert [e["reason"] for e in ends] == ["wrap_up", "wrap_up"]
        assert await a.app[STORE].cobrowse_checkpoint(session_id) is None
