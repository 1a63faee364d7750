"""A node killed (SIGKILL) in the middle of a call with co-browse: the clients land on
the other node within 5 s, the call renegotiates, the viewer gets the checkpoint again,
and the deadlines the dead node had armed fire on the survivor."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from tests.faults.clients import CallClient, CobrowseClient, EventStream, FeedClient
from tests.faults.cluster import Node
from tests.faults.ledger import audit, check_seen
from tests.faults.proxy import TcpProxy
from tests.faults.scenes import create
from tests.support.api import bearer, login
from tests.support.escalations import API_KEY, EMAILS, act, set_presence
from tests.support.receivers import receiving
from tests.support.sio import SioPeer

BACK_WITHIN_S = 5.0  # the bound the issue sets for clients to be on the other node
SNAPSHOT = [
    {"type": 4, "data": {"href": "https://shop.example/checkout"}},
    {"type": 2, "data": {"node": {"id": 1, "type": 0, "childNodes": []}}},
]
OFFER_SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


async def wait_for_event(
    http: aiohttp.ClientSession, url: str, esc_id: str, kind: str, within_s: float
) -> float:
    """Poll the store until ``kind`` is in the escalation's log; when it was seen."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        async with http.get(f"{url}/api/escalations/{esc_id}/events", headers=bearer(API_KEY)) as r:
            if any(e["type"] == kind for e in (await r.json())["events"]):
                return time.monotonic()
        await asyncio.sleep(0.1)  # another process's timer: nothing here to await
    raise AssertionError(f"{esc_id}: no {kind} within {within_s} s")


@pytest.mark.node_env(
    COVIEW_OFFER_TIMEOUT_S="3", COVIEW_QUEUE_TIMEOUT_S="4", COVIEW_RECONNECT_WINDOW_S="20"
)
async def test_killed_node_mid_call_and_cobrowse(
    pair: tuple[Node, Node, TcpProxy], http: aiohttp.ClientSession
) -> None:
    a, b, proxy = pair
    url = proxy.url  # everything through the proxy, which picks a while a is up

    async with receiving() as hooks:
        hooks.statuses = [503] * 1000  # the receiver is down until a is killed
        admin = await login(http, a, EMAILS.get("admin", "admin@demo.coview"), "coview-admin")
        async with http.post(
            f"{url}/api/admin/webhooks",
            headers=bearer(admin),
            json={"url": hooks.url, "event_types": ["escalation.*"]},
        ) as r:
            assert r.status == 201, await r.text()

        ana = await login(http, a, EMAILS["ana"])
        feed = await FeedClient(url, ana).connect()
        await set_presence(http, a, ana, "available")
        call = await create(http, url)
        esc = call["escalation"]
        assert isinstance(esc, dict) and esc["state"] == "offered"
        esc_id, session_id = str(esc["id"]), str(esc["session_id"])
        customer_token = call["customer"]["token"]
        stream = EventStream(http, url, esc_id, customer_token).start()
        accepted = await act(http, a, esc_id, "accept", ana)
        assert accepted.status == 200

        agent = await CallClient(url, ana, session_id).connect()
        customer = await CallClient(url, customer_token, session_id).connect()
        await agent.joined()
        await customer.joined()
        assert (await agent.offer_to(customer.peer_id, OFFER_SDP)) == {"ok": True}
        await customer.events.next("signal")

        sharer = CobrowseClient(http, url, customer_token).start()
        await sharer.next("hello")
        await sharer.send({"t": "events", "seq": 1, "full": True}, json.dumps(SNAPSHOT).encode())
        await sharer.next("ack")
        viewer = CobrowseClient(http, url, ana, session_id).start()
        await viewer.next("checkpoint")

        # Deadlines a arms now and that fall due after it is dead.
        bruno = await login(http, a, EMAILS["bruno"])
        await set_presence(http, a, bruno, "available")
        offered = await create(http, url)  # to bruno, who never answers: offer expiry
        waiting = await create(http, url)  # nobody has room: queue timeout
        timed = [str(offered["escalation"]["id"]), str(waiting["escalation"]["id"])]
        assert offered["escalation"]["state"] == "offered"
        assert waiting["escalation"]["state"] == "queued"
        webhook_ids = {h["webhook-id"] for h, _ in hooks.received}

        a.kill()
        killed_at = time.monotonic()
        hooks.statuses.clear()  # the receiver is back: only b can deliver now
        after_kill = len(hooks.received)

        rejoined_at, _ = await agent.joined(wait_s=BACK_WITHIN_S)
        customer_at, _ = await customer.joined(wait_s=BACK_WITHIN_S)
        assert max(rejoined_at, customer_at) - killed_at < BACK_WITHIN_S
        # The call renegotiates through b: the agent (impolite side) offers again.
        deadline = time.monotonic() + BACK_WITHIN_S
        while True:  # the customer's join may land a moment after the agent's
            answer = await agent.offer_to(customer.peer_id, OFFER_SDP)
            if answer.get("ok") or time.monotonic() > deadline:
                break
            await customer.joined()
        assert answer.get("ok"), answer
        signal = await customer.events.next("signal", BACK_WITHIN_S)
        while signal.get("from") != "ag_ana" or "description" not in signal:
            signal = await customer.events.next("signal", BACK_WITHIN_S)
        # The viewer reconnects to b and gets the page again from the stored checkpoint.
        header, payload = await viewer.next("checkpoint", BACK_WITHIN_S)
        assert header["seq"] >= 1 and b"shop.example" in payload
        assert viewer.opened == 2 and sharer.opened == 2
        # The page goes on live: the customer's next batch reaches the viewer via b.
        await sharer.next("hello", BACK_WITHIN_S)
        await sharer.send({"t": "events", "seq": 2}, b'[{"type":3,"data":{"after":"kill"}}]')
        header, payload = await viewer.next("events", BACK_WITHIN_S)
        assert header["seq"] == 2 and b"after" in payload
        assert time.monotonic() - killed_at < 2 * BACK_WITHIN_S

        # Deadlines a had armed fire on b (a is dead: nobody else could act on them).
        await wait_for_event(http, url, timed[0], "offer_expired", 10)
        await wait_for_event(http, url, timed[1], "expired", 10)
        # Webhook deliveries a failed to send are retried by b, each one delivered.
        assert webhook_ids, "a's first attempts reached the receiver"
        async with asyncio.timeout(15):
            while not webhook_ids <= {h["webhook-id"] for h, _ in hooks.received[after_kill:]}:
                await hooks.wait_for(len(hooks.received) + 1)

        await agent.call("end", {"reason": "done"})
        assert (await act(http, b, esc_id, "wrap_up", ana)).status == 200
        assert (await act(http, b, esc_id, "complete", ana)).status == 200
        await asyncio.wait_for(stream.ended.wait(), 10)
        logs = await audit(http, url, [esc_id, *timed])
        check_seen(esc_id, stream.seen, logs[esc_id])
        assert stream.reconnects >= 1  # it did cross the kill

        for client in (agent, customer, feed):
            await client.close()
        for ws in (sharer, viewer):
            await ws.close()
        await stream.close()


async def test_the_bots_wait_armed_by_a_killed_node_fires_on_the_other(
    pair: tuple[Node, Node, TcpProxy], http: aiohttp.ClientSession
) -> None:
    """The tenant's own bot never answers; the node that forwarded the customer's
    message is killed before the wait ran out: the survivor hands over to a person."""
    a, _, proxy = pair

    async with receiving() as silent_bot:  # accepts every message, never answers
        admin = await login(http, a, "admin@demo.coview", "coview-admin")
        settings = {"enabled": True, "url": silent_bot.url, "timeout_s": 2}
        async with http.put(
            f"{a.url}/api/admin/external-bot", json=settings, headers=bearer(admin)
        ) as r:
            assert r.status == 200, await r.text()
        async with http.post(
            f"{a.url}/api/conversations",
            json={"context": {}, "language": "es"},
            headers={"X-Coview-Site-Key": "demo-site-key", "Origin": a.url},
        ) as r:
            assert r.status == 201, await r.text()
            conv = await r.json()
        cid = conv["conversation_id"]
        customer = await SioPeer("/chat").connect(proxy.url, conv["token"])
        await customer.call("join", {"conversation_id": cid})
        await customer.call("message", {"conversation_id": cid, "text": "hola"})
        a.kill()
        killed_at = time.monotonic()
        await customer.close()
        again = await SioPeer("/chat").connect(proxy.url, conv["token"])  # lands on b
        try:
            await again.call("join", {"conversation_id": cid})
            while True:
                message = await again.next("message", wait_s=10)
                if message["sender"] == "system" and message.get("event") == "handoff":
                    break
            assert message["data"]["reason"] == "bot_timeout"
            assert time.monotonic() - killed_at < 2 + 1.5 + 3  # wait + lease + poll slack
        finally:
            await again.close()
