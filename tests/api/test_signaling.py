"""The /session and /agent namespaces over real websockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import socketio

from server.platform.keys import SESSION_EVENTS
from tests.support.api import customer_token, login, open_session
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_customer_and_agent_see_each_other_join_and_leave(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    try:
        first = await customer.call("join", {"session_id": session.id})
        assert first["ok"] and first["peers"] == [] and first["polite"] is True
        assert first["self"]["role"] == "customer"
        second = await agent.call("join", {"session_id": session.id})
        assert second["ok"] and second["polite"] is False
        assert second["peers"] == [first["self"]]
        joined = await customer.next("peer-joined")
        assert joined["peer"] == {"id": "ag_ana", "role": "agent", "name": "Ana Souza"}
        await agent.close()
        left = await customer.next("peer-left")
        assert left["peer"]["id"] == "ag_ana"
    finally:
        await customer.close()
        await agent.close()


async def test_signal_reaches_only_the_named_peer(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    try:
        me = (await customer.call("join", {"session_id": session.id}))["self"]
        await agent.call("join", {"session_id": session.id})
        offer = {"type": "offer", "sdp": "v=0\r\n"}
        ack = await agent.call("signal", {"to": me["id"], "description": offer})
        assert ack == {"ok": True}
        got = await customer.next("signal")
        assert got == {"from": "ag_ana", "description": offer}
        cand = {
            "candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
        await customer.call("signal", {"to": "ag_ana", "candidate": cand})
        assert (await agent.next("signal"))["candidate"] == cand
    finally:
        await customer.close()
        await agent.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"to": "ag_ana"}, "validation"),
        (
            {
                "to": "ag_ana",
                "description": {"type": "offer", "sdp": "x"},
                "candidate": {"candidate": ""},
            },
            "validation",
        ),
        ({"to": "ag_ana", "description": {"type": "bogus", "sdp": "x"}}, "validation"),
        ({"to": "ag_ana", "description": {"type": "offer", "sdp": "x" * 100_001}}, "validation"),
        ({"to": "stranger", "description": {"type": "offer", "sdp": "x"}}, "not-found"),
        ("not an object", "validation"),
    ],
    ids=["neither", "both", "bad-type", "oversize-sdp", "unknown-peer", "not-object"],
)
async def test_invalid_signals_get_error_acks_and_are_dropped(
    server: RunningServer, http: aiohttp.ClientSession, payload: object, code: str
) -> None:
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    try:
        await customer.call("join", {"session_id": session.id})
        await agent.call("join", {"session_id": session.id})
        ack = await customer.call("signal", payload)
        assert ack["ok"] is False and ack["error"]["code"] == code
        # a valid message afterwards proves the bad one was not delivered before it
        await customer.call("media-state", {"mic": True, "camera": False, "screen": False})
        await agent.next("media-state")
        assert agent.pending("signal") == 0
    finally:
        await customer.close()
        await agent.close()


async def test_customer_of_another_session_cannot_join(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    mine, theirs = await open_session(server), await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, mine))
    try:
        ack = await customer.call("join", {"session_id": theirs.id})
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
        ack = await customer.call("join", {"session_id": "no-such-session"})
        assert ack["error"]["code"] == "not-found"
    finally:
        await customer.close()


async def test_unassigned_agent_cannot_join_but_supervisor_observes(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server, agent_ids=("ag_bruno",))
    agent = await SioPeer().connect(server.url, await login(http, server, "ana@demo.coview"))
    supervisor = await SioPeer().connect(server.url, await login(http, server, "sofia@demo.coview"))
    try:
        assert (await agent.call("join", {"session_id": session.id}))["error"][
            "code"
        ] == "forbidden"
        ack = await supervisor.call("join", {"session_id": session.id})
        assert ack["ok"] and ack["self"]["role"] == "observer"
    finally:
        await agent.close()
        await supervisor.close()


SENDING_OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n"
NO_DIRECTION = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
LISTENING = (
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=video 9 X 96\r\na=inactive\r\n"
)


async def test_an_observer_only_listens_and_watches(
    server: RunningServer, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts: list[tuple[str, str]] = []

    async def record(session_id: str, type_: str, actor: str, data: Any = None) -> None:
        facts.append((type_, actor))

    monkeypatch.setattr(server.app[SESSION_EVENTS], "record", record)
    session = await open_session(server, agent_ids=("ag_bruno",))
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    supervisor = await SioPeer().connect(server.url, await login(http, server, "sofia@demo.coview"))
    try:
        joined = await customer.call("join", {"session_id": session.id})
        assert (await supervisor.call("join", {"session_id": session.id}))["ok"]
        to = joined["self"]["id"]
        for sdp in (SENDING_OFFER, NO_DIRECTION):
            offer = {"to": to, "description": {"type": "offer", "sdp": sdp}}
            assert (await supervisor.call("signal", offer))["error"]["code"] == "forbidden"
        for event, payload in (
            ("chat", {"text": "psst"}),
            ("media-state", {"camera": True, "screen": False, "mic": True}),
            ("end", {}),
        ):
            assert (await supervisor.call(event, payload))["error"]["code"] == "forbidden"
        answer = {"to": to, "description": {"type": "answer", "sdp": LISTENING}}
        assert (await supervisor.call("signal", answer)) == {"ok": True}
        assert (await customer.next("signal"))["description"]["sdp"] == LISTENING
        assert facts == [("observer_joined", "ag_sofia")]
    finally:
        await customer.close()
        await supervisor.close()


async def test_messages_before_join_and_unknown_events_are_refused(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    try:
        ack = await customer.call("chat", {"text": "hi"})
        assert ack["error"]["code"] == "conflict"
        ack = await customer.call("teleport", {})
        assert ack["error"]["code"] == "not-found"
    finally:
        await customer.close()


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "cvk_unknown"])
async def test_bad_tokens_are_refused_with_a_reason(server: RunningServer, token: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    refusals: list[dict[str, Any]] = []

    async def on_error(data: dict[str, Any]) -> None:
        refusals.append(data)

    client.on("connect_error", on_error, namespace="/session")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            server.url,
            namespaces=["/session"],
            transports=["websocket"],
            auth={"token": token},
            wait_timeout=5,
        )
    assert refusals, "no connect_error received"
    assert refusals[0]["data"]["code"] == "unauthorized"
    assert refusals[0]["data"]["message"] == refusals[0]["message"] != ""


async def test_agent_feed_refuses_session_tokens_and_greets_agents(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    token = await customer_token(http, server, session)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await SioPeer("/agent").connect(server.url, token)
    agent = await SioPeer("/agent").connect(server.url, await login(http, server))
    try:
        presence = await agent.next("presence")
        assert presence["status"] == "offline" and presence["busy"] is False
    finally:
        await agent.close()


async def test_ice_servers_carry_turn_rest_credentials(
    tmp_path: object, http: aiohttp.ClientSession
) -> None:
    import base64
    import hashlib
    import hmac
    from pathlib import Path

    from tests.support.harness import make_config, running_server

    config = make_config(
        Path(str(tmp_path)),
        stun_urls=("stun:127.0.0.1:3478",),
        turn_urls=("turn:127.0.0.1:3478",),
        turn_secret="s3cret",
        turn_ttl_s=600,
    )
    async with running_server(config) as server:
        session = await open_session(server)
        customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
        try:
            ack = await customer.call("join", {"session_id": session.id})
        finally:
            await customer.close()
    stun, turn = ack["ice_servers"]
    assert stun == {"urls": ["stun:127.0.0.1:3478"]}
    expiry, user = turn["username"].split(":", 1)
    assert user == ack["self"]["id"] and int(expiry) > 0
    expected = base64.b64encode(
        hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
    )
    assert turn["credential"] == expected.decode()


async def test_shutdown_disconnects_connected_clients(
    tmp_path: object, http: aiohttp.ClientSession
) -> None:
    import asyncio
    from pathlib import Path

    from tests.support.harness import make_config, running_server

    async with running_server(make_config(Path(str(tmp_path)))) as server:
        session = await open_session(server)
        customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
        gone = asyncio.Event()
        customer.client.on("disconnect", gone.set, namespace="/session")
        await customer.call("join", {"session_id": session.id})
    await asyncio.wait_for(gone.wait(), 5)
    assert not customer.client.connected
