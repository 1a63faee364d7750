"""Bring in an expert mid-call (issue #25) over real HTTP and websockets: a colleague
gets an offer, joins as ``participant``, the customer is told, the expert leaves without
ending the session and the KPIs count the assisted session; an outside expert gets a
link and a 6-digit code; bad requests change nothing."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support.api import bearer, login
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.escalations import act, body, console, create, events
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer


@pytest.fixture
async def http() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


async def experts(
    http: aiohttp.ClientSession, server: RunningServer, esc_id: str, token: str, payload: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(
        f"{server.url}/api/escalations/{esc_id}/experts", json=payload, headers=bearer(token)
    ) as r:
        return r.status, await r.json(content_type=None)


async def test_a_colleague_joins_as_expert_and_leaves_without_ending_the_call(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    ana, ana_feed = await console(http, server, "ana")
    _bruno, bruno_feed = await console(http, server, "bruno")
    carla, carla_feed = await console(http, server, "carla", available=False)
    customer = agent = expert = None
    try:
        created = await create(http, server, body(modalities=["video"]))
        esc_id, session_id = created["escalation"]["id"], created["escalation"]["session_id"]
        offered = await ana_feed.next("offer")
        assert offered["escalation"]["id"] == esc_id
        assert (await act(http, server, esc_id, "accept", ana)).status == 200
        customer = await SioPeer().connect(server.url, created["customer"]["token"])
        agent = await SioPeer().connect(server.url, ana)
        await customer.call("join", {"session_id": session_id})
        await agent.call("join", {"session_id": session_id})
        assert (await customer.next("peer-joined"))["peer"]["role"] == "agent"

        for token, payload, status in (
            (ana, {"agent_id": "ag_bruno", "email": "x@example.com"}, 422),
            (ana, {}, 422),
            (ana, {"agent_id": "ag_nobody"}, 404),
            (ana, {"agent_id": "ag_ana"}, 404),
            (ana, {"agent_id": "ag_bruno", "skill": "billing"}, 422),
            (ana, {"agent_id": "ag_carla"}, 409),  # not available
            (ana, {"email": "not-an-address"}, 422),
            (ana, {"email": "<script>@x.io"}, 422),
            (carla, {"agent_id": "ag_bruno"}, 403),  # not holding it
        ):
            got, problem = await experts(http, server, esc_id, token, payload)
            assert got in (status, 400) and "detail" in problem, (payload, got, problem)
        assert bruno_feed.pending("expert-offer") == 0

        got, answer = await experts(
            http, server, esc_id, ana, {"agent_id": "ag_bruno", "skill": "support"}
        )
        assert got == 201 and answer["invited"] == {"id": "ag_bruno", "name": "Bruno Lima"}
        offer = await bruno_feed.next("expert-offer")
        assert offer["session_id"] == session_id and offer["from"]["name"] == "Ana Souza"
        assert offer["context"]["customer"] == "Lucía" and carla_feed.pending("expert-offer") == 0
        async with http.post(
            f"{server.url}/api/join", json={"invite": offer["invite"], "name": "Bruno Lima"}
        ) as r:
            assert r.status == 200, await r.text()
            expert_token = (await r.json())["token"]
        expert = await SioPeer().connect(server.url, expert_token)
        joined = await expert.call("join", {"session_id": session_id})
        assert joined["self"]["role"] == "participant" and len(joined["peers"]) == 2
        told = await customer.next("peer-joined")
        assert told["peer"] == {
            "id": joined["self"]["id"],
            "role": "participant",
            "name": "Bruno Lima",
        }

        # the expert sees the customer's page (co-browse, view only)
        shop = await CobrowsePeer.connect(http, server.url, created["customer"]["token"])
        page = await CobrowsePeer.connect(http, server.url, expert_token)
        try:
            assert (await page.next("hello"))[0]["role"] == "participant"
            await shop.next("hello")
            await shop.send_events(1, [{"type": 3, "data": {"text": "checkout"}}])
            header, frame = await page.next("events")
            assert header["seq"] == 1 and b"checkout" in frame
            await page.send({"t": "pointer", "x": 1, "y": 1})
            assert (await page.next("error"))[0]["code"] == "forbidden"  # no agent tools
        finally:
            await shop.close()
            await page.close()

        assert (await expert.call("end", {}))["error"]["code"] == "forbidden"
        assert (await expert.call("leave", {}))["ok"]
        left = await customer.next("peer-left")
        assert left["reason"] == "left" and left["peer"]["role"] == "participant"
        assert customer.pending("end") == 0
        assert (await customer.call("chat", {"text": "still here"}))["ok"]  # the call goes on

        types = [e["type"] for e in await events(http, server, esc_id, ana)]
        assert [t for t in types if t.startswith("expert_")] == [
            "expert_invited",
            "expert_joined",
            "expert_left",
        ]
        sofia = await login(http, server, "sofia@demo.coview")
        async with http.get(f"{server.url}/api/metrics", headers=bearer(sofia)) as r:
            kpis = (await r.json())["experts"]
        assert kpis["assisted"] == 1 and kpis["time_s"]["count"] == 1
        assert kpis["time_s"]["average"] >= 0

        # an outside expert: a link and a 6-digit code to pass on
        got, outside = await experts(http, server, esc_id, ana, {"email": "pro@partner.example"})
        assert got == 201 and outside["email"] == "pro@partner.example"
        assert outside["short_code"].isdigit() and len(outside["short_code"]) == 6
        assert outside["join_url"].startswith(server.url)
        code = {"short_code": outside["short_code"], "name": "Dr. Pro"}
        async with http.post(f"{server.url}/api/join", json=code) as r:
            assert r.status == 200 and (await r.json())["role"] == "participant"
    finally:
        for peer in (customer, agent, expert, ana_feed, bruno_feed, carla_feed):
            if peer is not None:
                await peer.close()
