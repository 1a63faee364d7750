"""Two app instances sharing one real redis-server, as behind a load balancer."""

from __future__ import annotations

import aiohttp

from server.platform.keys import SIO, STORE
from tests.support.api import customer_token, login, open_session
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer


async def test_peer_on_node_a_sees_peer_that_joined_on_node_b(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        session = await open_session(a)
        customer = await SioPeer().connect(a.url, await customer_token(http, a, session))
        agent = await SioPeer().connect(b.url, await login(http, b))  # logs in on node B
        try:
            me = (await customer.call("join", {"session_id": session.id}))["self"]
            ack = await agent.call("join", {"session_id": session.id})
            assert ack["peers"] == [me]  # B read A's membership from Redis
            assert (await customer.next("peer-joined"))["peer"]["id"] == "ag_ana"
            offer = {"type": "offer", "sdp": "v=0\r\n"}
            await agent.call("signal", {"to": me["id"], "description": offer})
            assert (await customer.next("signal")) == {"from": "ag_ana", "description": offer}
            await agent.close()
            assert (await customer.next("peer-left"))["peer"]["id"] == "ag_ana"
        finally:
            await customer.close()
            await agent.close()


async def test_token_revoked_on_one_node_is_refused_on_the_other(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        token = await login(http, a)
        async with http.post(
            f"{a.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}
        ) as r:
            assert r.status == 200
        async with http.get(f"{b.url}/api/me", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 401
    assert await b.app[STORE].get_agent("ag_ana") is not None


async def test_an_emit_reaches_consoles_on_both_nodes_once_binary_or_not(
    two_nodes: tuple[RunningServer, RunningServer],
) -> None:
    """JSON payloads take the manager's own encode-once path, bytes the library's."""
    a, b = two_nodes
    async with aiohttp.ClientSession() as http:
        here = await SioPeer("/agent").connect(a.url, await login(http, a))
        there = await SioPeer("/agent").connect(b.url, await login(http, b))
        try:
            plain = {"text": "olá", "n": [1, 2.5, None, True]}
            await a.app[SIO].emit("probe", plain, namespace="/agent")
            await a.app[SIO].emit("probe", {"blob": b"\x00\xff"}, namespace="/agent")
            for peer in (here, there):
                assert await peer.next("probe") == plain
                assert await peer.next("probe") == {"blob": b"\x00\xff"}
            await a.app[SIO].emit("probe", "last", namespace="/agent")
            for peer in (here, there):  # nothing was delivered twice before it
                assert await peer.next("probe") == "last"
        finally:
            await here.close()
            await there.close()
