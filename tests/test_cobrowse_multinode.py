"""Co-browse across two nodes sharing one real redis-server."""

from __future__ import annotations

import json

import aiohttp

from tests.api import customer_token, login, open_session
from tests.cobrowse_peer import CobrowsePeer
from tests.harness import RunningServer

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
