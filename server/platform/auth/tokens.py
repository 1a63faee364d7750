"""Signed tokens (PyJWT, HS256): agent access tokens and session tokens.

Both carry a ``jti`` so that logout (or the end of a session) can revoke them through
the store's deny-list; ``typ`` keeps one kind from being accepted as the other.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from server.platform.errors import Unauthorized
from store.models import Agent, ParticipantRole

AUDIENCE = "coview"
ALGORITHM = "HS256"
TokenType = Literal["access", "session"]
# Verified claims kept per token string: a console sends the same token with every
# request, and verifying it (base64 + JSON + HMAC) was ~7 % of a busy node's CPU.
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


class TokenService:
    def __init__(self, secret: str, access_ttl_s: int, session_ttl_s: int) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self.access_ttl = timedelta(seconds=access_ttl_s)
        self.session_ttl = timedelta(seconds=session_ttl_s)
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _encode(self, claims: dict[str, Any], ttl: timedelta, now: datetime | None) -> IssuedToken:
        issued = now or datetime.now(UTC)
        expires = issued + ttl
        jti = secrets.token_urlsafe(16)
        # whole seconds, as PyJWT makes of datetimes, without its per-claim conversion
        payload = {
            **claims,
            "aud": AUDIENCE,
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": jti,
        }
        return IssuedToken(jwt.encode(payload, self._secret, ALGORITHM), jti, expires)

    def issue_access(self, agent: Agent, now: datetime | None = None) -> IssuedToken:
        claims = {
            "typ": "access",
            "sub": agent.id,
            "tid": agent.tenant_id,
            "role": agent.role,
            "name": agent.name,
        }
        return self._encode(claims, self.access_ttl, now)

    def issue_session(
        self,
        *,
        session_id: str,
        tenant_id: str,
        role: ParticipantRole,
        participant_id: str,
        name: str,
        now: datetime | None = None,
    ) -> IssuedToken:
        claims = {
            "typ": "session",
            "sub": participant_id,
            "sid": session_id,
            "tid": tenant_id,
            "role": role,
            "name": name,
        }
        return self._encode(claims, self.session_ttl, now)

    def decode_unverified_type(self, token: str) -> str:
        """The ``typ`` claim, read without verifying, only to pick the verifier."""
        known = self._verified.get(token)
        if known is not None:
            return str(known.get("typ", ""))
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("invalid token") from exc
        return str(claims.get("typ", ""))

    def decode(self, token: str, expected: TokenType) -> dict[str, Any]:
        """Verified claims, or Unauthorized saying what is wrong with the token."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        elif time.time() >= claims["exp"]:  # the same check PyJWT makes (no leeway)
            del self._verified[token]
            raise Unauthorized("token expired")
        if claims.get("typ") != expected:
            raise Unauthorized(f"not a {expected} token")
        return dict(claims)

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["exp", "iat", "jti", "sub", "typ"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("invalid token") from exc
        return claims
