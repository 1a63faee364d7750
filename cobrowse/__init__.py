"""DOM co-browsing: the ``/ws/cobrowse`` relay, masking, checkpoints, remote control."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from cobrowse import api
from cobrowse.bus import open_bus
from cobrowse.endpoint import cobrowse_socket
from cobrowse.hub import Hub
from cobrowse.keys import COBROWSE, MASKER
from cobrowse.masking import Masker
from server.keys import CONFIG


async def hub_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    hub = Hub(open_bus(config.store, config.redis_url, config.redis_prefix))
    app[COBROWSE] = hub
    await hub.start()
    yield
    await hub.stop()


def setup(app: web.Application) -> None:
    app[MASKER] = Masker(app[CONFIG].cobrowse_mask_patterns)
    app.cleanup_ctx.append(hub_ctx)
    app.router.add_get("/ws/cobrowse", cobrowse_socket, name="cobrowse_socket")
    api.setup(app)
