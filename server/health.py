"""Liveness and readiness.

``/readyz`` is 503 (with ``Retry-After``) while the store does not answer a ping within
its timeout or a package's readiness check fails (its pub/sub has lost Redis), so a
load balancer sends no new clients to a node that cannot serve them.
"""

from __future__ import annotations

from aiohttp import web

from server.platform.errors import StoreUnavailable
from server.platform.jsonio import json_response
from server.platform.keys import READINESS_CHECKS, STORE


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        await request.app[STORE].ping()
    except Exception as exc:
        raise StoreUnavailable(f"store unreachable: {type(exc).__name__}") from exc
    problems = [p for check in request.app[READINESS_CHECKS] if (p := check()) is not None]
    if problems:
        raise StoreUnavailable("; ".join(problems))
    return json_response({"status": "ready"})


def setup(app: web.Application) -> None:
    app[READINESS_CHECKS] = []
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
