"""``Idempotency-Key`` on creating endpoints.

The key is scoped to the caller and the endpoint. Same key and same body: the first
response is replayed (with ``Idempotent-Replayed: true``); same key, other body: 422;
the first request still in flight: 409. A request that fails frees its key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from escalation.service import actor_of
from server.auth.principals import Principal
from server.errors import BadRequest, Conflict, CoviewError, Unprocessable
from server.jsonio import dumps, json_response, loads_limited
from server.keys import CONFIG, STORE

HEADER = "Idempotency-Key"
IN_FLIGHT_TTL_S = 60.0  # a node that dies mid-request frees the key after this


def body_hash(raw: bytes) -> str:
    """Hash of the JSON body, insensitive to key order and whitespace."""
    try:
        canonical = json.dumps(loads_limited(raw), sort_keys=True, separators=(",", ":"))
    except CoviewError:
        return hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(canonical.encode()).hexdigest()


async def idempotent(
    request: web.Request,
    principal: Principal,
    scope: str,
    handler: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> web.Response:
    key = request.headers.get(HEADER)
    if key is None:
        status, body = await handler()
        return json_response(body, status=status)
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise BadRequest(f"{HEADER} must be 1 to 255 printable characters")
    store, config = request.app[STORE], request.app[CONFIG]
    scoped = f"{principal.tenant_id}:{actor_of(principal)}:{scope}:{key}"
    digest = body_hash(await request.read())
    found = await store.begin_idempotent(scoped, digest, IN_FLIGHT_TTL_S)
    if found is not None:
        if found.body_hash != digest:
            raise Unprocessable(f"{HEADER} was already used with a different body")
        if not found.done:
            raise Conflict(f"a request with this {HEADER} is still in progress")
        return web.Response(
            text=found.response,
            status=found.status,
            content_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    try:
        status, body = await handler()
    except BaseException:
        await store.release_idempotent(scoped)
        raise
    text = dumps(body)
    await store.finish_idempotent(scoped, status, text, config.idempotency_ttl_s)
    return web.Response(text=text, status=status, content_type="application/json")
