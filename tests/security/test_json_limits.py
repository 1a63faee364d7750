"""Attack: a JSON body (or socket payload, or co-browse frame header) nested thousands
of levels deep used to raise RecursionError (a 500). Every parser now answers 400
problem+json (an error ack / error frame on sockets), and oversize bodies 413."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from server.platform.errors import BadRequest
from server.platform.jsonio import MAX_DEPTH, loads_limited, nested_deeper_than
from tests.security.common import site_headers
from tests.support.api import bearer, customer_token, open_session, problem
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


def deep_text(levels: int) -> str:
    return "[" * levels + "]" * levels


def escalation_with(attributes: Any) -> dict[str, Any]:
    return {"modalities": ["video"], "context": {"attributes": {"deep": attributes}}}


def test_depth_is_measured_without_recursion() -> None:
    assert not nested_deeper_than("x", 0) and nested_deeper_than([], 0)
    assert not nested_deeper_than({"a": [1, {"b": []}]}, 4)
    assert nested_deeper_than({"a": [1, {"b": []}]}, 3)
    started = time.perf_counter()
    with pytest.raises(BadRequest, match="nested deeper"):
        loads_limited(deep_text(200_000))
    with pytest.raises(BadRequest, match="nested deeper"):
        loads_limited(deep_text(MAX_DEPTH + 1))
    assert loads_limited(deep_text(MAX_DEPTH)) is not None
    assert time.perf_counter() - started < 1.0


async def test_a_deeply_nested_escalation_is_a_400_not_a_500(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    for levels in (5_000, MAX_DEPTH):  # far beyond any parser, and just past our limit
        body = escalation_with(nested(levels))
        raw = (
            '{"modalities":["video"],"context":{"attributes":{"deep":'
            + ('{"a":' * levels + '"x"' + "}" * levels)
            + "}}}"
        )
        assert body  # the shape the raw text spells
        async with http.post(
            f"{server.url}/api/escalations",
            data=raw,
            headers={**site_headers(server), "Content-Type": "application/json"},
        ) as r:
            data = await problem(r, 400)
            assert "nested deeper" in data["detail"]
    # A body within the limit still works, and the server is fine after the attack.
    async with http.post(
        f"{server.url}/api/escalations",
        json=escalation_with(nested(MAX_DEPTH - 5)),
        headers=site_headers(server),
    ) as r:
        assert r.status == 201, await r.text()


async def test_every_json_endpoint_refuses_deep_and_oversize_bodies(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    deep = deep_text(10_000)
    for path in ("/api/join", "/api/auth/login", "/api/callbacks", "/api/bot/messages"):
        async with http.post(
            f"{server.url}{path}",
            data=deep,
            headers={**site_headers(server), "Content-Type": "application/json"},
        ) as r:
            assert r.status == 400, (path, r.status, await r.text())
            await problem(r, 400)
    big = b'{"a":"' + b"x" * (server.config.max_body_bytes + 10) + b'"}'
    async with http.post(
        f"{server.url}/api/escalations",
        data=big,
        headers={**bearer(server.config.demo_api_key), "Content-Type": "application/json"},
    ) as r:
        await problem(r, 413)


async def call_raw(peer: SioPeer, event: str, payload_json: str) -> dict[str, Any]:
    """Emit a payload given as JSON text (the client library cannot encode one this
    deep itself) and return its ack."""
    done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    ack_id = peer.client._generate_ack_id(peer.namespace, lambda data: done.set_result(data))
    await peer.client.eio.send(f'2{peer.namespace},{ack_id}["{event}",{payload_json}]')
    return await asyncio.wait_for(done, 5)


async def test_a_deep_socket_payload_gets_an_error_ack_and_the_socket_lives_on(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    peer = await SioPeer("/session").connect(
        server.url, await customer_token(http, server, session)
    )
    try:
        for levels in (5_000, MAX_DEPTH + 1):
            ack = await call_raw(peer, "join", deep_text(levels))
            assert ack["ok"] is False and ack["error"]["code"] == "bad-request", ack
            assert "nested deeper" in ack["error"]["message"]
        ack = await peer.call("join", {"session_id": session.id})
        assert ack["ok"] is True, ack
    finally:
        await peer.close()


async def test_a_deep_cobrowse_frame_header_gets_an_error_frame(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    token = await customer_token(http, server, session)
    peer = await CobrowsePeer.connect(http, server.url, token)
    try:
        await peer.ws.send_bytes(deep_text(2_000).encode())  # fits the 4 KB header limit
        header, _ = await peer.next("error")
        assert header["code"] == "bad-request" and "nested deeper" in header["message"]
        deep_events = ("[" * 450 + '"4111 1111 1111 1111"' + "]" * 450).encode()
        await peer.send({"t": "events", "seq": 1, "full": True}, deep_events)
        header, _ = await peer.next("error")
        assert header["code"] == "bad-request", header
        await peer.send_events(2, [{"type": 4, "data": {}, "timestamp": 1}], full=True)
        await peer.acked(2)  # still served
    finally:
        await peer.close()
