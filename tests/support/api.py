"""Small client-side helpers used by service and browser tests."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp

from server.platform.auth.invites import issue_invite
from server.platform.keys import CONFIG, STORE
from store.models import Invite, ParticipantRole, Session
from tests.support.harness import RunningServer, Served

DEMO_PASSWORD = "coview-demo"
PROBLEM_JSON = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(
    http: aiohttp.ClientSession,
    server: Served,
    email: str = "ana@demo.coview",
    password: str = DEMO_PASSWORD,
) -> str:
    async with http.post(
        f"{server.url}/api/auth/login", json={"email": email, "password": password}
    ) as r:
        assert r.status == 200, await r.text()
        token: str = (await r.json())["access_token"]
        return token


async def problem(response: aiohttp.ClientResponse, status: int) -> dict[str, Any]:
    """Assert the response is an RFC 7807 problem with ``status`` and return it."""
    body = await response.text()
    assert response.status == status, body
    assert response.content_type == PROBLEM_JSON, response.content_type
    data: dict[str, Any] = await response.json(content_type=None)
    assert data["status"] == status
    assert {"type", "title", "detail"} <= set(data)
    return data


async def open_session(
    server: RunningServer, agent_ids: tuple[str, ...] = ("ag_ana",), tenant_id: str = "demo"
) -> Session:
    """A session assigned to ``agent_ids``, created straight in the store."""
    session = Session(
        id="s_" + secrets.token_hex(6), tenant_id=tenant_id, agent_ids=list(agent_ids)
    )
    await server.app[STORE].create_session(session)
    return session


async def invite_for(
    server: RunningServer, session: Session, role: ParticipantRole = "customer"
) -> Invite:
    return await issue_invite(server.app[STORE], server.app[CONFIG], session, role)


async def customer_token(
    http: aiohttp.ClientSession, server: RunningServer, session: Session
) -> str:
    invite = await invite_for(server, session)
    async with http.post(f"{server.url}/api/join", json={"invite": invite.id}) as r:
        assert r.status == 200, await r.text()
        token: str = (await r.json())["token"]
        return token
