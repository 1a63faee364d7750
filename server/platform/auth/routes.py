"""HTTP endpoints for logging in and out, the agent's own record, and joining a session."""

from __future__ import annotations

import secrets
from typing import Literal

from aiohttp import web
from pydantic import Field

from server.platform.auth.join_codes import check_code_allowed, record_code_failure
from server.platform.auth.keys import PASSWORDS, TOKENS
from server.platform.auth.principals import AgentPrincipal
from server.platform.auth.request import require_agent
from server.platform.client_ip import client_ip
from server.platform.errors import NotFound, Unauthorized, Unprocessable
from server.platform.jsonio import json_response
from server.platform.keys import CONFIG, PRESENCE_OBSERVERS, RATE_LIMITER, STORE
from server.platform.validation import ApiModel, read_json
from store.models import utcnow

PARTICIPANT_NAMES = {"customer": "Customer", "participant": "Guest", "observer": "Observer"}


class LoginRequest(ApiModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class PresenceRequest(ApiModel):
    status: Literal["available", "away", "offline"]


class JoinRequest(ApiModel):
    short_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    invite: str | None = Field(default=None, min_length=8, max_length=128)
    name: str | None = Field(default=None, min_length=1, max_length=80)


async def login(request: web.Request) -> web.Response:
    body = await read_json(request, LoginRequest)
    config = request.app[CONFIG]
    await request.app[RATE_LIMITER].hit(
        config.login_rate, "login", f"{client_ip(request)}:{body.email.lower()}"
    )
    agent = await request.app[STORE].get_agent_by_email(body.email)
    password_ok = await request.app[PASSWORDS].verify(
        agent.password_hash if agent else None, body.password
    )
    if agent is None or not password_ok:
        raise Unauthorized("invalid e-mail or password")
    issued = request.app[TOKENS].issue_access(agent)
    return json_response(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": config.access_token_ttl_s,
            "agent": {"id": agent.id, "name": agent.name, "role": agent.role},
        }
    )


async def logout(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    await request.app[STORE].revoke_token(agent.jti, agent.expires_at)
    return json_response({"ok": True})


async def _own_agent(request: web.Request, principal: AgentPrincipal) -> dict[str, object]:
    agent = await request.app[STORE].get_agent(principal.agent_id)
    if agent is None:
        raise NotFound("agent no longer exists")
    return agent.public()


async def me(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    return json_response(await _own_agent(request, principal))


async def set_presence(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, PresenceRequest)
    agent = await request.app[STORE].set_presence(principal.agent_id, body.status, utcnow())
    if agent is None:
        raise NotFound("agent no longer exists")
    for observer in request.app.get(PRESENCE_OBSERVERS, []):
        await observer(agent)
    return json_response(agent.public())


async def join(request: web.Request) -> web.Response:
    """Exchange an invite (link token or 6-digit code) once for a session token."""
    config = request.app[CONFIG]
    await request.app[RATE_LIMITER].hit(config.join_rate, "join", client_ip(request))
    body = await read_json(request, JoinRequest)
    if (body.short_code is None) == (body.invite is None):
        raise Unprocessable("send exactly one of short_code or invite")
    store = request.app[STORE]
    if body.short_code is not None:
        await check_code_allowed(request)
    invite = await store.consume_invite(
        invite_id=body.invite, short_code=body.short_code, now=utcnow()
    )
    if invite is None:
        if body.short_code is not None:
            await record_code_failure(request)
        raise Unauthorized("invite is unknown, expired or already used")
    session = await store.get_session(invite.session_id)
    if session is None or session.ended_at is not None:
        raise Unauthorized("the session has ended")
    issued = request.app[TOKENS].issue_session(
        session_id=session.id,
        tenant_id=session.tenant_id,
        role=invite.role,
        participant_id="p_" + secrets.token_urlsafe(9),
        name=body.name or PARTICIPANT_NAMES[invite.role],
    )
    return json_response({"token": issued.token, "session_id": session.id, "role": invite.role})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/auth/logout", logout)
    app.router.add_get("/api/me", me)
    app.router.add_put("/api/agents/me/presence", set_presence)
    app.router.add_post("/api/join", join)
