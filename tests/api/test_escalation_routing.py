"""Queue and routing: who gets the offer, expiry, decline, skill relaxation, queue
timeout, capacity, pulls on becoming available, the /agent feed and live SSE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer
from tests.support.escalations import (
    act,
    agent_token,
    body,
    console,
    create,
    escalation_server,
    event_types,
    set_presence,
)
from tests.support.harness import RunningServer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with escalation_server(tmp_path) as running:
        yield running


async def test_offer_goes_to_the_longest_idle_agent(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    _, ana = await console(http, server, "ana")
    _, bruno = await console(http, server, "bruno")  # available after Ana
    try:
        created = await create(http, server, body(language=None, context={}))
        offer = await ana.next("offer")
        assert offer["escalation"]["id"] == created["escalation"]["id"]
        assert offer["expires_at"] > created["escalation"]["created_at"]
        second = await create(http, server, body(language=None, context={}))
        assert (await bruno.next("offer"))["escalation"]["id"] == second["escalation"]["id"]
        assert ana.pending("offer") == 0
    finally:
        await ana.close()
        await bruno.close()


async def test_only_agents_with_the_skills_and_language_are_offered(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    _, ana = await console(http, server, "ana")  # sales, support; es pt en
    _, carla = await console(http, server, "carla")  # sales, billing; es en
    try:
        await create(http, server, body(skills=["billing"], language="en"))
        assert (await carla.next("offer"))["escalation"]["skills"] == ["billing"]
        await create(http, server, body(skills=["support"], language="pt"))
        assert (await ana.next("offer"))["escalation"]["language"] == "pt"
    finally:
        await ana.close()
        await carla.close()


async def test_unanswered_offer_expires_and_goes_to_the_next_agent(tmp_path: Path) -> None:
    async with (
        escalation_server(tmp_path, offer_timeout_s=0.3) as server,
        aiohttp.ClientSession() as http,
    ):
        _, ana = await console(http, server, "ana")
        _, bruno = await console(http, server, "bruno")
        try:
            created = await create(http, server)
            esc_id = created["escalation"]["id"]
            assert (await ana.next("offer"))["escalation"]["id"] == esc_id
            withdrawn = await ana.next("offer-withdrawn")
            assert withdrawn == {"escalation_id": esc_id, "reason": "offer_expired"}
            assert (await bruno.next("offer"))["escalation"]["id"] == esc_id
        finally:
            await ana.close()
            await bruno.close()
        types = await event_types(http, server, esc_id, created["customer"]["token"])
        assert types[:5] == ["requested", "queued", "offered", "offer_expired", "offered"]
        loads = await server.app[STORE].get_agent_loads(["ag_ana", "ag_bruno"])
        assert loads["ag_ana"].total == 0 and loads["ag_bruno"].load == {"video": 1}


async def test_agent_going_away_hands_their_open_offer_on_at_once(tmp_path: Path) -> None:
    async with (
        escalation_server(tmp_path, offer_timeout_s=60) as server,
        aiohttp.ClientSession() as http,
    ):
        ana_token, ana = await console(http, server, "ana")
        _, bruno = await console(http, server, "bruno")
        try:
            created = await create(http, server)
            esc_id = created["escalation"]["id"]
            assert (await ana.next("offer"))["escalation"]["id"] == esc_id
            await set_presence(http, server, ana_token, "away")
            withdrawn = await ana.next("offer-withdrawn")
            assert withdrawn == {"escalation_id": esc_id, "reason": "offer_withdrawn"}
            # long before the 60 s offer timeout
            assert (await bruno.next("offer"))["escalation"]["id"] == esc_id
        finally:
            await ana.close()
            await bruno.close()
        types = await event_types(http, server, esc_id, created["customer"]["token"])
        assert types[:5] == ["requested", "queued", "offered", "offer_withdrawn", "offered"]
        loads = await server.app[STORE].get_agent_loads(["ag_ana", "ag_bruno"])
        assert loads["ag_ana"].total == 0 and loads["ag_bruno"].load == {"video": 1}


async def test_declined_offer_goes_to_the_next_agent_and_never_back(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    ana_token, ana = await console(http, server, "ana")
    _, bruno = await console(http, server, "bruno")
    try:
        created = await create(http, server)
        esc_id = created["escalation"]["id"]
        await ana.next("offer")
        r = await act(http, server, esc_id, "decline", ana_token, {"reason": "on a break"})
        assert r.status == 200
        assert (await bruno.next("offer"))["escalation"]["declined_by"] == ["ag_ana"]
        r = await act(http, server, esc_id, "decline", ana_token)
        assert r.status == 409
    finally:
        await ana.close()
        await bruno.close()


async def test_required_skills_relax_after_the_configured_wait(tmp_path: Path) -> None:
    async with (
        escalation_server(tmp_path, skill_relax_s=0.2) as server,
        aiohttp.ClientSession() as http,
    ):
        _, bruno = await console(http, server, "bruno")  # support only
        try:
            created = await create(http, server, body(skills=["billing"]))
            offer = await bruno.next("offer")
            assert offer["escalation"]["id"] == created["escalation"]["id"]
            assert offer["escalation"]["skills_relaxed"] is True
        finally:
            await bruno.close()
        types = await event_types(
            http, server, created["escalation"]["id"], created["customer"]["token"]
        )
        assert types == ["requested", "queued", "skills_relaxed", "offered"]


async def test_nobody_takes_it_before_the_queue_timeout_so_it_expires(tmp_path: Path) -> None:
    async with (
        escalation_server(tmp_path, queue_timeout_s=0.2) as server,
        aiohttp.ClientSession() as http,
    ):
        created = await create(http, server)
        esc_id, token = created["escalation"]["id"], created["customer"]["token"]
        for _ in range(100):
            if (await event_types(http, server, esc_id, token))[-1] == "expired":
                break
            await asyncio.sleep(0.05)
        assert await event_types(http, server, esc_id, token) == ["requested", "queued", "expired"]
        assert await server.app[STORE].get_deadlines(esc_id) == {}


async def test_agent_becoming_available_pulls_the_waiting_escalation(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created = await create(http, server)
    token, feed = await console(http, server, "ana", available=False)
    try:
        await set_presence(http, server, token, "available")
        offer = await feed.next("offer")
        assert offer["escalation"]["id"] == created["escalation"]["id"]
    finally:
        await feed.close()


async def state_of_ana(
    http: aiohttp.ClientSession, server: RunningServer, supervisor: str
) -> tuple[str, list[str], int]:
    """Ana as supervisors see her: status, units held full, open offers."""
    async with http.get(f"{server.url}/api/supervisor/agents", headers=bearer(supervisor)) as r:
        ana = next(a for a in await r.json() if a["id"] == "ag_ana")
    return ana["status"], ana["full"], ana["offers"]


async def test_capacity_holds_the_second_video_until_the_first_completes(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token, feed = await console(http, server, "ana")
    try:
        first = await create(http, server)
        await feed.next("offer")
        second = await create(http, server)
        assert second["escalation"]["state"] == "queued"
        # The open offer reserves the video slot, but is not work yet: not busy.
        presence = await feed.next("presence")
        while presence["load"] != {"video": 1}:  # the first may be the one on connect
            presence = await feed.next("presence")
        assert (presence["status"], presence["offers"], presence["full"]) == ("available", 1, [])
        sofia = await agent_token(http, server, "sofia")
        assert await state_of_ana(http, server, sofia) == ("available", [], 1)
        first_id = first["escalation"]["id"]
        assert (await act(http, server, first_id, "accept", token)).status == 200
        while not presence["busy"]:
            presence = await feed.next("presence")
        assert (presence["status"], presence["offers"], presence["full"]) == ("busy", 0, ["video"])
        assert await state_of_ana(http, server, sofia) == ("busy", ["video"], 0)
        for action in ("wrap_up", "complete"):
            assert (await act(http, server, first_id, action, token)).status == 200
        assert (await feed.next("offer"))["escalation"]["id"] == second["escalation"]["id"]
    finally:
        await feed.close()


async def test_console_gets_queue_counts_and_its_open_offers_on_connect(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token, feed = await console(http, server, "ana")
    await create(http, server)
    await create(http, server)  # waits: Ana has one video slot
    await feed.close()
    late = await console(http, server, "ana", available=False)
    try:
        _, again = late
        presence = await again.next("presence")
        assert presence["load"] == {"video": 1}
        summary = await again.next("queue")
        assert summary["counts"] == {"queued": 1, "offered": 1}
        assert summary["longest_wait_s"] >= 0
        assert (await again.next("offer"))["escalation"]["state"] == "offered"
    finally:
        await late[1].close()
    async with http.get(
        f"{server.url}/api/queue", headers={"Authorization": f"Bearer {token}"}
    ) as r:
        data = await r.json()
    assert len(data["offers"]) == 1 and data["queued"] == []  # no room for a second video


async def test_queue_changes_reach_every_console(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    _, carla = await console(http, server, "carla", available=False)
    try:
        assert (await carla.next("queue"))["counts"]["queued"] == 0  # the snapshot
        await create(http, server)
        summary = await carla.next("queue")
        assert summary["counts"]["queued"] == 1
    finally:
        await carla.close()


async def test_holder_console_follows_changes_to_its_escalation(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token, feed = await console(http, server, "ana")
    try:
        created = await create(http, server)
        await feed.next("offer")
        esc_id = created["escalation"]["id"]
        await act(http, server, esc_id, "accept", token)
        change = await feed.next("escalation")
        assert change["escalation"]["state"] == "accepted"
        assert [e["type"] for e in change["events"]] == ["accepted"]
    finally:
        await feed.close()


async def read_sse(response: aiohttp.ClientResponse) -> list[dict[str, Any]]:
    """The events of an SSE stream, up to its ``end`` marker."""
    got: list[dict[str, Any]] = []
    name = "message"
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            if name == "end":
                break
            got.append(json.loads(line[len("data: ") :]))
        elif line == "":
            name = "message"
    return got


async def test_customer_follows_the_escalation_live_over_sse(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created = await create(http, server)
    esc_id, token = created["escalation"]["id"], created["customer"]["token"]
    url = f"{server.url}/api/escalations/{esc_id}/events?token={token}"
    async with http.get(url, headers={"Accept": "text/event-stream"}) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        ana_token, feed = await console(http, server, "ana")
        try:
            await feed.next("offer")
            await act(http, server, esc_id, "accept", ana_token)
            await act(http, server, esc_id, "cancel", token)
        finally:
            await feed.close()
        seen = await asyncio.wait_for(read_sse(stream), 5)
    assert [e["type"] for e in seen] == ["requested", "queued", "offered", "accepted", "cancelled"]
    assert [e["seq"] for e in seen] == [1, 2, 3, 4, 5]
    assert seen[2]["data"] == {}  # routing details are not the customer's


async def test_sse_resumes_after_last_event_id(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created = await create(http, server)
    esc_id, token = created["escalation"]["id"], created["customer"]["token"]
    await act(http, server, esc_id, "cancel", token)
    url = f"{server.url}/api/escalations/{esc_id}/events?token={token}"
    headers = {"Accept": "text/event-stream", "Last-Event-ID": "2"}
    async with http.get(url, headers=headers) as stream:
        seen = await asyncio.wait_for(read_sse(stream), 5)
    assert [e["type"] for e in seen] == ["cancelled"]
    async with http.get(url, headers={"Last-Event-ID": "x"}) as r:
        assert r.status == 422


async def test_supervisor_may_act_on_any_escalation(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    ana_token, feed = await console(http, server, "ana")
    try:
        created = await create(http, server)
        await feed.next("offer")
        esc_id = created["escalation"]["id"]
        await act(http, server, esc_id, "accept", ana_token)
    finally:
        await feed.close()
    sofia = await agent_token(http, server, "sofia")
    r = await act(http, server, esc_id, "wrap_up", sofia, {"notes": "closed by supervisor"})
    assert r.status == 200 and (await r.json())["wrap_up"]["by"] == "ag_sofia"
