"""Socket.IO signaling: the ``/session`` call rooms, the ``/chat`` channel and the
``/agent`` console feed (fed by the escalation core's events)."""

from __future__ import annotations

import socketio
from aiohttp import web

from escalation.core.keys import AGENT_CHANGES, AGENT_NOTICES, ESCALATION_EVENTS
from server.platform.config import Config
from server.platform.keys import AGENT_SNAPSHOT, CONFIG, READINESS_CHECKS, SIO
from signaling import media_routes
from signaling.agent_feed import AgentFeed
from signaling.agent_ns import AgentNamespace
from signaling.chat_ns import ChatNamespace
from signaling.drain import drain
from signaling.keys import AGENT_FEED, SESSION_NS
from signaling.managers import DirectManager, DirectRedisManager
from signaling.packet import Packet
from signaling.session_ns import SessionNamespace
from store.redis.keys import RedisKeys

MAX_SOCKET_MESSAGE_BYTES = 512 * 1024  # a chat image (256 KB) as base64 fits


def make_server(config: Config) -> socketio.AsyncServer:
    manager: DirectManager = DirectManager()
    if config.store == "redis":
        manager = DirectRedisManager(
            config.redis_target(),
            channel=RedisKeys(config.redis_prefix).socketio_channel,
        )
    # Websocket only, so a load balancer needs no sticky sessions. Clients authenticate
    # with a bearer token in the connect payload (no cookies), so any origin may connect.
    return socketio.AsyncServer(
        async_mode="aiohttp",
        transports=["websocket"],
        client_manager=manager,
        cors_allowed_origins="*",
        max_http_buffer_size=MAX_SOCKET_MESSAGE_BYTES,
        serializer=Packet,
        logger=False,
        engineio_logger=False,
    )


async def _shutdown(app: web.Application) -> None:
    await drain(app[SIO])  # clients reconnect to another node
    await app[SESSION_NS].close()
    await app[SIO].shutdown()
    if isinstance(app[SIO].manager, DirectRedisManager):
        await app[SIO].manager.close()


def setup(app: web.Application) -> None:
    sio = make_server(app[CONFIG])
    app[SESSION_NS] = SessionNamespace("/session", app)
    sio.register_namespace(app[SESSION_NS])
    sio.register_namespace(AgentNamespace("/agent", app))
    sio.register_namespace(ChatNamespace("/chat", app))
    sio.attach(app)
    media_routes.setup(app)
    app[SIO] = sio
    feed = AgentFeed(app)
    app[AGENT_FEED] = feed
    app[ESCALATION_EVENTS].subscribe(feed.observe)
    app[AGENT_CHANGES].subscribe(feed.presence)
    app[AGENT_NOTICES].subscribe(feed.notice)
    app[AGENT_SNAPSHOT] = feed.snapshot
    app.cleanup_ctx.append(feed.ctx)
    app.on_shutdown.append(_shutdown)
    manager = sio.manager
    if isinstance(manager, DirectRedisManager):
        # Not ready until subscribed: the manager subscribes when the first socket
        # connects, so only a lost subscription counts.
        app[READINESS_CHECKS].append(
            lambda: (
                None
                if manager.ready or getattr(manager, "thread", None) is None
                else "Socket.IO pub/sub has lost Redis"
            )
        )
