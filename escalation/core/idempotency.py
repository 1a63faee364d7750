"""``Idempotency-Key`` on creating endpoints.

The key is scoped to the caller and the endpoint. Same key and same body: the first
response is replayed (with ``Idempotent-Replayed: true``); same key, other body: 422;
the first request still in flight: 409. A request that fails frees its key.

A node can die after its write and before it records the response (the key then stays
"in flight" for ``IN_FLIGHT_TTL_S``). So an endpoint may name what it creates after the
key (``key_id``) and pass ``recover``: a retry that finds the key in flight, or a
retry after the key ran out, answers with the record the dead node wrote instead of
409 or a second record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from escalation.core.change import actor_of
from server.platform.auth.principals import Principal
from server.platform.errors import BadRequest, Conflict, CoviewError, Unprocessable
from server.platform.jsonio import dumps, json_response, loads_limited
from server.platform.keys import CONFIG, STORE

HEADER = "Idempotency-Key"
IN_FLIGHT_TTL_S = 60.0  # a node that dies mid-request frees the key after this
# ... or after this, where the record is named by the key (``key_id``): a second write
# of it cannot succeed, so a short wait is safe and a retry is answered sooner.
KEYED_IN_FLIGHT_TTL_S = 5.0


Outcome = tuple[int, dict[str, Any]]
Recover = Callable[[], Awaitable[Outcome | None]]


def _scoped(request: web.Request, principal: Principal, scope: str, key: str) -> str:
    return f"{principal.tenant_id}:{actor_of(principal)}:{scope}:{key}"


def key_id(request: web.Request, principal: Principal, scope: str, prefix: str) -> str | None:
    """A record id fixed by this request's Idempotency-Key (None without one): the same
    key always names the same record, and nobody without the signing secret can guess
    it from the key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    secret = request.app[CONFIG].resolved_secret().encode()
    scoped = _scoped(request, principal, scope, key).encode()
    return prefix + hmac.new(secret, scoped, hashlib.sha256).hexdigest()[:24]


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
    handler: Callable[[], Awaitable[Outcome]],
    recover: Recover | None = None,
    in_flight_s: float = IN_FLIGHT_TTL_S,
) -> web.Response:
    key = request.headers.get(HEADER)
    if key is None:
        status, body = await handler()
        return json_response(body, status=status)
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise BadRequest(f"{HEADER} must be 1 to 255 printable characters")
    store, config = request.app[STORE], request.app[CONFIG]
    scoped = _scoped(request, principal, scope, key)
    digest = body_hash(await request.read())
    found = await store.begin_idempotent(scoped, digest, in_flight_s)
    if found is not None:
        if found.body_hash != digest:
            raise Unprocessable(f"{HEADER} was already used with a different body")
        if not found.done:
            recovered = await recover() if recover is not None else None
            if recovered is None:
                raise Conflict(f"a request with this {HEADER} is still in progress")
            return json_response(
                recovered[1], status=recovered[0], headers={"Idempotent-Replayed": "true"}
            )
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
