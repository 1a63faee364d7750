"""Credential extraction for HTTP handlers."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from server.platform.auth.keys import AUTH
from server.platform.auth.principals import AgentPrincipal, Principal
from server.platform.errors import Forbidden, Unauthorized
from store.models import Role

P = TypeVar("P")

SITE_KEY_HEADER = "X-Coview-Site-Key"


def bearer_token(request: web.Request, *, allow_query: bool = False) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if header:
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    if allow_query:
        return request.query.get("token") or None
    return None


async def authenticate(request: web.Request, *, allow_query: bool = False) -> Principal:
    """The caller, from a bearer credential or else a site key; 401 when neither."""
    auth = request.app[AUTH]
    token = bearer_token(request, allow_query=allow_query)
    if token is not None:
        return await auth.from_bearer(token)
    site_key = request.headers.get(SITE_KEY_HEADER)
    if site_key:
        return await auth.site(site_key, request.headers.get("Origin"))
    raise Unauthorized("credentials required")


async def require(request: web.Request, *kinds: type[P], allow_query: bool = False) -> P:
    """The caller if it is one of ``kinds``; 403 for a valid credential of another kind."""
    principal = await authenticate(request, allow_query=allow_query)
    if not isinstance(principal, kinds):
        raise Forbidden("this credential cannot be used here")
    return principal


async def require_agent(request: web.Request, *roles: Role) -> AgentPrincipal:
    agent = await require(request, AgentPrincipal)
    if roles and agent.role not in roles:
        raise Forbidden(f"requires role {' or '.join(roles)}")
    return agent
