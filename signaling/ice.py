"""ICE servers for a peer: STUN, plus TURN credentials made the coturn REST way.

username = "<expiry unix time>:<user>", credential = base64(HMAC-SHA1(secret, username)),
which coturn checks with ``use-auth-secret`` / ``static-auth-secret``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from server.admin.tenant_settings import TurnSettings
from server.platform.config import Config


def turn_credentials(
    secret: str, user: str, ttl_s: int, now: float | None = None
) -> tuple[str, str]:
    expiry = int((time.time() if now is None else now) + ttl_s)
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(
    config: Config, user: str, tenant: TurnSettings | None = None
) -> list[dict[str, Any]]:
    """The node's STUN/TURN servers, or the organisation's when it set its own (/admin)."""
    if tenant is not None:
        stun, turn, secret, ttl_s = tenant.stun_urls, tenant.turn_urls, tenant.secret, tenant.ttl_s
    else:
        stun, turn = list(config.stun_urls), list(config.turn_urls)
        secret, ttl_s = config.turn_secret, config.turn_ttl_s
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": list(stun)})
    if turn and secret:
        username, credential = turn_credentials(secret, user, ttl_s)
        servers.append({"urls": list(turn), "username": username, "credential": credential})
    return servers
