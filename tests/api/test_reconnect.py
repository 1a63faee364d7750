"""Reconnect windows on /session: a dropped peer may rejoin; after the window the
session ends with a reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from server.platform.keys import STORE
from signaling.keys import SESSION_NS
from tests.support.api import customer_token, login, open_session
from tests.support.harness import RunningServer, make_config, running_server
from tests.support.sio import SioPeer


@pytest.fixture
async def quick_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(make_config(tmp_path, reconnect_window_s=1)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_session_ends_when_a_dropped_peer_does_not_come_back(
    quick_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = quick_server
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    try:
        await customer.call("join", {"session_id": session.id})
        await agent.call("join", {"session_id": session.id})
        await agent.close()  # a network drop looks like this to the server
        assert (await customer.next("peer-left"))["peer"]["id"] == "ag_ana"
        ended = await customer.next("end", wait_s=5)
        assert ended == {"from": "ag_ana", "reason": "reconnect_timeout"}
        stored = await server.app[STORE].get_session(session.id)
        assert stored is not None and stored.ended_at is not None
        late = await SioPeer().connect(server.url, await login(http, server))
        ack = await late.call("join", {"session_id": session.id})
        assert ack["ok"] is False and ack["error"]["code"] == "conflict"
        await late.close()
    finally:
        await customer.close()
        await agent.close()


async def test_rejoining_within_the_window_keeps_the_session(
    quick_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = quick_server
    session = await open_session(server)
    token = await login(http, server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, token)
    try:
        await customer.call("join", {"session_id": session.id})
        await agent.call("join", {"session_id": session.id})
        await agent.close()
        await customer.next("peer-left")
        assert await server.app[SESSION_NS].deadlines.armed(session.id, "ag_ana")
        agent = await SioPeer().connect(server.url, token)
        ack = await agent.call("join", {"session_id": session.id})
        assert ack["ok"] and [p["id"] for p in ack["peers"]] == [ack["peers"][0]["id"]]
        assert (await customer.next("peer-joined"))["peer"]["id"] == "ag_ana"
        assert not await server.app[SESSION_NS].deadlines.armed(session.id, "ag_ana")
    finally:
        await customer.close()
        await agent.close()


async def test_ending_on_purpose_arms_no_reconnect_window(
    quick_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = quick_server
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    try:
        await customer.call("join", {"session_id": session.id})
        await agent.call("join", {"session_id": session.id})
        assert await agent.call("end", {"reason": "ended"}) == {"ok": True}
        assert (await customer.next("end"))["reason"] == "ended"
        await agent.close()
        await customer.next("peer-left")
        assert not await server.app[SESSION_NS].deadlines.armed(session.id, "ag_ana")
    finally:
        await customer.close()
        await agent.close()


async def test_peers_joining_at_the_same_moment_each_learn_of_the_other(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    for _ in range(5):
        session = await open_session(server)
        customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
        agent = await SioPeer().connect(server.url, await login(http, server))
        try:
            acks = await asyncio.gather(
                customer.call("join", {"session_id": session.id}),
                agent.call("join", {"session_id": session.id}),
            )
            for me, ack, other_id in (
                (customer, acks[0], "ag_ana"),
                (agent, acks[1], acks[0]["self"]["id"]),
            ):
                if other_id not in [p["id"] for p in ack["peers"]]:
                    assert (await me.next("peer-joined"))["peer"]["id"] == other_id
        finally:
            await customer.close()
            await agent.close()


async def test_an_agent_who_leaves_on_purpose_or_an_observer_ends_nothing(
    quick_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = quick_server
    session = await open_session(server, agent_ids=("ag_ana", "ag_bruno"))
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    observer = await SioPeer().connect(server.url, await login(http, server, "sofia@demo.coview"))
    try:
        await customer.call("join", {"session_id": session.id})
        await agent.call("join", {"session_id": session.id})
        await observer.call("join", {"session_id": session.id})
        assert await agent.call("leave", {}) == {"ok": True}  # transferred the session
        assert await customer.next("peer-left") == {
            "peer": {"id": "ag_ana", "role": "agent", "name": "Ana Souza"},
            "reason": "left",
        }
        await observer.close()  # a supervisor closing the tab
        assert (await customer.next("peer-left"))["peer"]["role"] == "observer"
        successor = await SioPeer().connect(
            server.url, await login(http, server, "bruno@demo.coview")
        )
        await asyncio.sleep(1.5)  # past the 1 s reconnect window: nothing may end
        assert customer.pending("end") == 0
        assert (await successor.call("join", {"session_id": session.id}))["ok"]
        while (await customer.next("peer-joined"))["peer"]["id"] != "ag_bruno":
            pass  # earlier joins (the agent, the observer) are queued first
        await successor.close()
    finally:
        await customer.close()
        await agent.close()
