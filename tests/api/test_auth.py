"""Credentials as PROTOCOL.md defines them, over real HTTP: each kind of good and bad token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import jwt
import pytest

from server.platform.auth.keys import AUTH, TOKENS
from server.platform.auth.tokens import AUDIENCE, TokenService
from server.platform.errors import Forbidden, Unauthorized
from server.platform.keys import STORE
from tests.support.api import bearer, customer_token, invite_for, login, open_session, problem
from tests.support.harness import TEST_SECRET, RunningServer, make_config, running_server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_agent_logs_in_and_reads_own_record(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{server.url}/api/auth/login", json={"email": "ana@demo.coview", "password": "coview-demo"}
    ) as r:
        assert r.status == 200
        body = await r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == server.config.access_token_ttl_s
    assert body["agent"] == {"id": "ag_ana", "name": "Ana Souza", "role": "agent"}
    async with http.get(f"{server.url}/api/me", headers=bearer(body["access_token"])) as r:
        me = await r.json()
    assert me["email"] == "ana@demo.coview" and "password_hash" not in me
    assert me["capacity"] == {"chat": 4, "cobrowse": 2, "video": 1}


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@demo.coview", "wrong"), ("nobody@demo.coview", "coview-demo")],
)
async def test_wrong_password_or_unknown_email_is_401(
    server: RunningServer, http: aiohttp.ClientSession, email: str, password: str
) -> None:
    async with http.post(
        f"{server.url}/api/auth/login", json={"email": email, "password": password}
    ) as r:
        data = await problem(r, 401)
    assert data["detail"] == "invalid e-mail or password"


async def test_logout_revokes_the_token(server: RunningServer, http: aiohttp.ClientSession) -> None:
    token = await login(http, server)
    async with http.post(f"{server.url}/api/auth/logout", headers=bearer(token)) as r:
        assert r.status == 200
    async with http.get(f"{server.url}/api/me", headers=bearer(token)) as r:
        data = await problem(r, 401)
    assert data["detail"] == "token revoked"


def forge(claims: dict[str, object], secret: str = TEST_SECRET) -> str:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "typ": "access",
        "sub": "ag_ana",
        "tid": "demo",
        "role": "admin",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "j",
    }
    return jwt.encode({**base, **claims}, secret, "HS256")


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        (forge({}, secret="another-secret-" + "y" * 40), "invalid token"),
        (forge({"exp": datetime.now(UTC) - timedelta(seconds=5)}), "token expired"),
        (forge({"aud": "someone-else"}), "invalid token"),
        (forge({"sub": "ag_ghost"}), "unknown agent"),
        (forge({"tid": "other-tenant"}), "unknown agent"),
        ("not.a.jwt", "invalid token"),
        ("garbage", "invalid token"),
        ("cvk_not_a_real_key", "unknown API key"),
    ],
    ids=[
        "forged",
        "expired",
        "wrong-audience",
        "unknown-agent",
        "wrong-tenant",
        "bad-jwt",
        "garbage",
        "unknown-api-key",
    ],
)
async def test_bad_credentials_are_refused(
    server: RunningServer, http: aiohttp.ClientSession, token: str, detail: str
) -> None:
    async with http.get(f"{server.url}/api/me", headers=bearer(token)) as r:
        data = await problem(r, 401)
    assert data["detail"] == detail


async def test_unsupported_authorization_scheme_is_401(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{server.url}/api/me", headers={"Authorization": "Basic YTpi"}) as r:
        await problem(r, 401)
    async with http.get(f"{server.url}/api/me") as r:
        await problem(r, 401)


async def test_session_token_cannot_act_as_an_agent(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    token = await customer_token(http, server, session)
    async with http.get(f"{server.url}/api/me", headers=bearer(token)) as r:
        await problem(r, 403)


async def test_api_key_is_not_an_agent(server: RunningServer, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{server.url}/api/me", headers=bearer(server.config.demo_api_key)) as r:
        await problem(r, 403)


async def test_access_token_is_not_a_session_token(server: RunningServer) -> None:
    tokens: TokenService = server.app[TOKENS]
    agent = await server.app[STORE].get_agent("ag_ana")
    assert agent is not None
    with pytest.raises(Unauthorized, match="not a session token"):
        tokens.decode(tokens.issue_access(agent).token, "session")


async def test_invite_is_exchanged_once(server: RunningServer, http: aiohttp.ClientSession) -> None:
    session = await open_session(server)
    invite = await invite_for(server, session, role="participant")
    async with http.post(f"{server.url}/api/join", json={"invite": invite.id, "name": "Rita"}) as r:
        assert r.status == 200
        body = await r.json()
    assert body["session_id"] == session.id and body["role"] == "participant"
    principal = await server.app[AUTH].session(body["token"])
    assert principal.name == "Rita" and principal.session_id == session.id
    async with http.post(f"{server.url}/api/join", json={"invite": invite.id}) as r:
        await problem(r, 401)
    async with http.post(f"{server.url}/api/join", json={"short_code": invite.short_code}) as r:
        await problem(r, 401)


async def test_short_code_joins(server: RunningServer, http: aiohttp.ClientSession) -> None:
    session = await open_session(server)
    invite = await invite_for(server, session)
    async with http.post(f"{server.url}/api/join", json={"short_code": invite.short_code}) as r:
        assert r.status == 200
        assert (await r.json())["role"] == "customer"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"short_code": "12345"}, 422),
        ({"short_code": 123456}, 422),
        ({"short_code": "123456", "invite": "abcdefghij"}, 422),
        ({"short_code": "999999"}, 401),
        ({"invite": "unknown-invite-id"}, 401),
    ],
)
async def test_bad_join_requests(
    server: RunningServer, http: aiohttp.ClientSession, body: dict[str, object], status: int
) -> None:
    async with http.post(f"{server.url}/api/join", json=body) as r:
        await problem(r, status)


async def test_expired_invite_is_refused(tmp_path: object, http: aiohttp.ClientSession) -> None:
    from pathlib import Path

    config = make_config(Path(str(tmp_path)), invite_ttl_s=0)
    async with running_server(config) as server:
        session = await open_session(server)
        invite = await invite_for(server, session)
        async with http.post(f"{server.url}/api/join", json={"invite": invite.id}) as r:
            await problem(r, 401)


async def test_session_token_dies_with_its_session(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    token = await customer_token(http, server, session)
    long_ago = datetime.now(UTC) - timedelta(seconds=server.config.reconnect_window_s + 1)
    await server.app[STORE].update_session(session.model_copy(update={"ended_at": long_ago}))
    with pytest.raises(Unauthorized, match="session has ended"):
        await server.app[AUTH].session(token)


async def test_join_is_rate_limited(tmp_path: object, http: aiohttp.ClientSession) -> None:
    from pathlib import Path

    config = make_config(Path(str(tmp_path)), join_rate="3/minute")
    async with running_server(config) as server:
        for _ in range(3):
            async with http.post(f"{server.url}/api/join", json={"short_code": "000000"}) as r:
                assert r.status == 401
        async with http.post(f"{server.url}/api/join", json={"short_code": "000000"}) as r:
            await problem(r, 429)
            assert int(r.headers["Retry-After"]) >= 1


async def test_site_key_checks_the_origin(server: RunningServer) -> None:
    auth = server.app[AUTH]
    site = await auth.site(server.config.demo_site_key, server.url)
    assert site.tenant_id == "demo"
    assert (await auth.site(server.config.demo_site_key, None)).site.id == "site_demo"
    with pytest.raises(Forbidden):
        await auth.site(server.config.demo_site_key, "https://evil.example")
    with pytest.raises(Unauthorized):
        await auth.site("unknown-key", server.url)


async def test_presence_is_set_and_bad_values_change_nothing(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token = await login(http, server)
    url = f"{server.url}/api/agents/me/presence"
    async with http.put(url, json={"status": "available"}, headers=bearer(token)) as r:
        assert (await r.json())["presence"] == "available"
    for bad in ({"status": "busy"}, {"status": 1}, {"state": "away"}):
        async with http.put(url, json=bad, headers=bearer(token)) as r:
            data = await problem(r, 422)
            assert data["errors"]
    async with http.put(url, data=b"{not json", headers=bearer(token)) as r:
        await problem(r, 400)
    agent = await server.app[STORE].get_agent("ag_ana")
    assert agent is not None and agent.presence == "available"
