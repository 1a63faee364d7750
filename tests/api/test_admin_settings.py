"""Masking and TURN settings per organisation: validated field by field, audited, and
used: by the server's co-browse masking, the widget's selectors and the join ack."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, customer_token, login, open_session, problem
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

SNAPSHOT = [{"type": 2, "data": {"node": {"id": 1, "type": 0, "childNodes": []}}}]


@pytest.fixture
async def admin(server: RunningServer) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    async with aiohttp.ClientSession() as http:
        token = await login(http, server, server.config.admin_email, server.config.admin_password)
        yield http, token


async def put(
    http: aiohttp.ClientSession, server: RunningServer, name: str, token: str, body: Any
) -> aiohttp.ClientResponse:
    async with http.put(
        f"{server.url}/api/admin/settings/{name}", json=body, headers=bearer(token)
    ) as r:
        await r.read()
        return r


async def get(
    http: aiohttp.ClientSession, server: RunningServer, name: str, token: str
) -> dict[str, Any]:
    async with http.get(f"{server.url}/api/admin/settings/{name}", headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
        data: dict[str, Any] = await r.json()
        return data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"selectors": [".ok", "div[", "#x"]}, "selectors.1"),
        ({"patterns": ["(unclosed"]}, "patterns.0"),
        ({"patterns": [r"\d+", r"(a+)+$"]}, "patterns.1"),
        ({"patterns": ["x*"]}, "patterns.0"),
        ({"selectors": "not a list"}, "selectors"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_masking_settings_name_the_field_and_change_nothing(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str], body: Any, field: str
) -> None:
    http, token = admin
    async with http.put(
        f"{server.url}/api/admin/settings/masking", json=body, headers=bearer(token)
    ) as r:
        problem_body = await problem(r, 422)
    assert field in [e["field"] for e in problem_body["errors"]]
    assert await get(http, server, "masking", token) == {"selectors": [], "patterns": []}
    assert await server.app[STORE].list_audit("demo") == []


async def test_only_admins_change_settings(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, _ = admin
    sofia = await login(http, server, "sofia@demo.coview")
    response = await put(http, server, "masking", sofia, {"patterns": ["x"]})
    assert response.status == 403
    response = await put(http, server, "turn", sofia, {})
    assert response.status == 403


async def test_masking_settings_reach_the_widget_and_the_server_masker(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, token = admin
    body = {"selectors": [".loyalty-number", "#dni"], "patterns": [r"\b\d{8}[A-Z]\b"]}
    assert (await put(http, server, "masking", token, body)).status == 200
    audit = await server.app[STORE].list_audit("demo")
    assert audit[0].action == "masking.updated" and audit[0].changes == body

    session = await open_session(server)
    customer = await CobrowsePeer.connect(
        http, server.url, await customer_token(http, server, session)
    )
    hello, _ = await customer.next("hello")
    assert {".loyalty-number", "#dni"} <= set(hello["mask_selectors"])
    agent = await CobrowsePeer.connect(http, server.url, await login(http, server), session.id)
    await agent.next("hello")
    await customer.send_events(1, SNAPSHOT, full=True)
    await agent.next("events")
    text = {"type": 3, "data": {"source": 0, "texts": [{"id": 5, "value": "DNI 12345678Z"}]}}
    await customer.send_events(2, [text])
    _, payload = await agent.next("events")
    assert b"12345678Z" not in payload and json.loads(payload)[0]["data"]["texts"][0]["value"] == (
        "DNI *********"
    )


async def test_turn_settings_are_validated_hide_the_secret_and_feed_the_join_ack(
    server: RunningServer, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    http, token = admin
    for bad, field in (
        ({"turn_urls": ["http://turn.example"]}, "turn_urls.0"),
        ({"secret": "short"}, "secret"),
        ({"ttl_s": 5}, "ttl_s"),
    ):
        async with http.put(
            f"{server.url}/api/admin/settings/turn", json=bad, headers=bearer(token)
        ) as r:
            assert field in [e["field"] for e in (await problem(r, 422))["errors"]]
    secret = "s3cret-for-the-tenant-turn"
    body = {
        "stun_urls": ["stun:stun.shop.example:3478"],
        "turn_urls": ["turn:turn.shop.example:3478?transport=udp"],
        "secret": secret,
        "ttl_s": 600,
    }
    assert (await put(http, server, "turn", token, body)).status == 200
    shown = await get(http, server, "turn", token)
    assert shown["secret_set"] is True and "secret" not in shown
    audit = (await server.app[STORE].list_audit("demo"))[0]
    assert audit.action == "turn.updated" and secret not in json.dumps(audit.changes)

    session = await open_session(server)
    peer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    try:
        ack = await peer.call("join", {"session_id": session.id})
    finally:
        await peer.close()
    stun, turn = ack["ice_servers"]
    assert stun == {"urls": body["stun_urls"]} and turn["urls"] == body["turn_urls"]
    expected = hmac.new(secret.encode(), turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()
    expiry, user = turn["username"].split(":", 1)
    assert user == ack["self"]["id"] and int(expiry) > 0
