"""Turns a credential (bearer token, API key, site key) into a principal, or refuses.

Used by HTTP handlers and by Socket.IO connection handlers alike, so a token means
the same thing on every transport.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from server.platform.auth.principals import (
    AgentPrincipal,
    ApiKeyPrincipal,
    Principal,
    SessionPrincipal,
    SitePrincipal,
)
from server.platform.auth.tokens import TokenService
from server.platform.errors import Forbidden, Unauthorized
from store.base import Store

API_KEY_PREFIX = "cvk_"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Authenticator:
    def __init__(self, store: Store, tokens: TokenService, reconnect_window_s: int) -> None:
        self.store = store
        self.tokens = tokens
        self.reconnect_window = timedelta(seconds=reconnect_window_s)

    async def from_bearer(self, token: str) -> Principal:
        if token.startswith(API_KEY_PREFIX):
            return await self.api_key(token)
        if token.count(".") != 2:
            raise Unauthorized("invalid token")
        claims = self.tokens.decode_unverified_type(token)
        if claims == "session":
            return await self.session(token)
        return await self.agent(token)

    async def agent(self, token: str) -> AgentPrincipal:
        claims = self.tokens.decode(token, "access")
        if await self.store.is_token_revoked(claims["jti"]):
            raise Unauthorized("token revoked")
        agent = await self.store.get_agent(claims["sub"])
        if agent is None or agent.tenant_id != claims.get("tid"):
            raise Unauthorized("unknown agent")
        return AgentPrincipal(
            agent_id=agent.id,
            tenant_id=agent.tenant_id,
            role=agent.role,
            name=agent.name,
            jti=claims["jti"],
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            agent=agent,
        )

    async def session(self, token: str) -> SessionPrincipal:
        claims = self.tokens.decode(token, "session")
        if await self.store.is_token_revoked(claims["jti"]):
            raise Unauthorized("token revoked")
        session = await self.store.get_session(str(claims.get("sid", "")))
        if session is None or session.tenant_id != claims.get("tid"):
            raise Unauthorized("unknown session")
        if session.ended_at and datetime.now(UTC) > session.ended_at + self.reconnect_window:
            raise Unauthorized("session has ended")
        return SessionPrincipal(
            session_id=session.id,
            tenant_id=session.tenant_id,
            role=claims["role"],
            participant_id=claims["sub"],
            name=str(claims.get("name", "")),
            jti=claims["jti"],
        )

    async def api_key(self, key: str) -> ApiKeyPrincipal:
        record = await self.store.get_api_key(hash_api_key(key))
        if record is None:
            raise Unauthorized("unknown API key")
        return ApiKeyPrincipal(key_id=record.id, tenant_id=record.tenant_id, name=record.name)

    async def site(self, site_key: str, origin: str | None) -> SitePrincipal:
        """A public caller identified by its site key; a browser must come from an
        allowed origin (server-to-server calls send no Origin)."""
        site = await self.store.get_site_by_key(site_key)
        if site is None:
            raise Unauthorized("unknown site key")
        if origin is not None and origin not in site.allowed_origins:
            raise Forbidden(f"origin {origin} is not allowed for this site")
        return SitePrincipal(site)
