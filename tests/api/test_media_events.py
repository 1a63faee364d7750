"""Server-peer requests on /session and the media REST API: who may do what, and
bad input changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from signaling.keys import SESSION_NS
from tests.support.api import bearer, customer_token, login, open_session, problem
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def call(
    server: RunningServer, http: aiohttp.ClientSession
) -> AsyncIterator[tuple[SioPeer, SioPeer]]:
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    await customer.call("join", {"session_id": session.id})
    await agent.call("join", {"session_id": session.id})
    yield customer, agent
    await customer.close()
    await agent.close()


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("recording-start", None, "forbidden"),
        ("demo-play", {"name": "x.webm"}, "forbidden"),
        ("snapshot", {}, "forbidden"),
        ("recording-consent", {"granted": True}, "conflict"),
        ("recording-consent", {"granted": "yes"}, "validation"),
    ],
)
async def test_customer_cannot_drive_the_server_peer(
    server: RunningServer, call: tuple[SioPeer, SioPeer], event: str, payload: Any, code: str
) -> None:
    customer, _ = call
    ack = await customer.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert server.app[SESSION_NS].media.sessions == {}


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("recording-stop", None, "conflict"),
        ("demo-stop", None, "conflict"),
        ("demo-play", {"name": "no-such-clip.webm"}, "not-found"),
        ("demo-play", {"name": ""}, "validation"),
        ("demo-play", {"name": "a", "extra": 1}, "validation"),
        ("snapshot", {"peer_id": "nobody"}, "not-found"),
        ("recording-consent", {"granted": True}, "forbidden"),
        ("signal", {"to": "media", "candidate": {"candidate": ""}}, "not-found"),
    ],
)
async def test_agent_requests_are_validated(
    server: RunningServer, call: tuple[SioPeer, SioPeer], event: str, payload: Any, code: str
) -> None:
    _, agent = call
    ack = await agent.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert server.app[SESSION_NS].media.sessions == {}


async def test_recording_request_asks_the_customer_once(call: tuple[SioPeer, SioPeer]) -> None:
    customer, agent = call
    assert await agent.call("recording-start") == {"ok": True, "state": "awaiting_consent"}
    assert await customer.next("recording-consent") == {"from": "ag_ana"}
    assert await customer.call("recording-consent", {"granted": False}) == {
        "ok": True,
        "state": "declined",
    }
    assert (await agent.next("recording"))["state"] == "declined"
    again = await customer.call("recording-consent", {"granted": True})
    assert again["error"]["code"] == "conflict"


async def test_recordings_api_is_for_supervisors(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    agent = await login(http, server)
    supervisor = await login(http, server, "sofia@demo.coview")
    async with http.get(f"{server.url}/api/recordings", headers=bearer(agent)) as r:
        await problem(r, 403)
    async with http.get(f"{server.url}/api/recordings") as r:
        await problem(r, 401)
    async with http.get(f"{server.url}/api/recordings", headers=bearer(supervisor)) as r:
        assert r.status == 200 and await r.json() == {"recordings": []}
    async with http.get(
        f"{server.url}/api/recordings/rec_0000/file", headers=bearer(supervisor)
    ) as r:
        await problem(r, 404)
    async with http.get(
        f"{server.url}/api/recordings", params={"session_id": "../x"}, headers=bearer(supervisor)
    ) as r:
        await problem(r, 404)
    async with http.get(f"{server.url}/api/demo-videos", headers=bearer(agent)) as r:
        assert r.status == 200 and await r.json() == {"videos": []}
    session = await open_session(server)
    async with http.get(
        f"{server.url}/api/sessions/{session.id}/snapshots/snap_1", headers=bearer(agent)
    ) as r:
        await problem(r, 404)
