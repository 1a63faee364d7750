"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from server.errors import Unavailable
from server.jsonio import json_response
from server.keys import STORE


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        await request.app[STORE].ping()
    except Exception as exc:
        raise Unavailable(f"store unreachable: {type(exc).__name__}") from exc
    return json_response({"status": "ready"})


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
