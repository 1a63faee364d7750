"""Graceful shutdown (SIGTERM, docs/architecture.md "Failure modes"): aiohttp stops
listening first, then runs ``on_shutdown``; the first of those sets ``app[DRAINING]``,
so event streams end and their clients reconnect elsewhere, while the socket packages
drain their own connections (``signaling/drain.py``, ``Hub.drain``)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from server.platform.keys import DRAINING


async def _begin(app: web.Application) -> None:
    app[DRAINING].set()


def setup(app: web.Application) -> None:
    app[DRAINING] = asyncio.Event()
    app.on_shutdown.append(_begin)  # registered before any package's shutdown hook
