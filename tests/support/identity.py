"""Signing customer identities as a site's backend does (docs/security.md)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from server.platform.auth.identity import user_hash
from server.platform.keys import STORE
from server.seed import DEMO_SITE
from tests.support.harness import RunningServer


async def demo_secret(server: RunningServer) -> str:
    site = await server.app[STORE].get_site(DEMO_SITE)
    assert site is not None and site.identity_secret is not None
    return site.identity_secret


async def identity_token(server: RunningServer, **claims: Any) -> str:
    """A demo-site identity token carrying ``claims`` (id, name, email, tier), valid for
    ten minutes."""
    now = int(time.time())
    payload = {"iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, await demo_secret(server), algorithm="HS256")


async def demo_user_hash(server: RunningServer, customer_id: str) -> str:
    return user_hash(await demo_secret(server), customer_id)
