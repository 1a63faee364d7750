"""The application factory shared by the CLI, the tests and the benchmarks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

import cobrowse
import escalation
import signaling
import web as web_pages
from escalation import conversations, engagement, supervisor
from media.crypto import Sealer
from server import admin, draining, health
from server.auth import routes as auth_routes
from server.auth.authenticator import Authenticator
from server.auth.passwords import Passwords
from server.auth.tokens import TokenService
from server.config import Config
from server.keys import (
    AUTH,
    CONFIG,
    DEADLINE_HANDLERS,
    OUTBOUND,
    PASSWORDS,
    RATE_LIMITER,
    SEALER,
    SESSION_EVENTS,
    STORE,
    TOKENS,
)
from server.middleware import cache_middleware, problem_middleware
from server.outbound import OutboundPolicy
from server.privacy import routes as privacy
from server.ratelimit import RateLimiter
from server.security_headers import PAGE_POLICIES, security_headers_middleware
from server.seed import seed_demo
from server.session_events import LoggingSink
from store import open_store
from store.redis.connection import RedisTarget

log = logging.getLogger("coview")


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Opens the store (and seeds the demo organisation once); closes it last."""
    config = app[CONFIG]
    store = open_store(config)
    await store.open()
    app[STORE] = store
    app[AUTH] = Authenticator(store, app[TOKENS], config.reconnect_window_s)
    if config.seed_demo:
        await seed_demo(store, config, app[PASSWORDS])
    yield
    await store.close()


def create_app(config: Config) -> web.Application:
    app = web.Application(
        middlewares=[security_headers_middleware, problem_middleware, cache_middleware],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app[PAGE_POLICIES] = {}  # pages register theirs (web/__init__.py)
    app[TOKENS] = TokenService(
        config.resolved_secret(), config.access_token_ttl_s, config.session_token_ttl_s
    )
    app[PASSWORDS] = Passwords(config.password_memory_kib)
    app[SEALER] = Sealer.load(
        config.recording_keys, config.data_dir, enabled=config.encrypt_at_rest
    )
    app[RATE_LIMITER] = RateLimiter(
        RedisTarget.from_config(config) if config.store == "redis" else None,
        config.redis_prefix,
    )
    app[OUTBOUND] = OutboundPolicy.from_entries(config.outbound_allow)
    app[SESSION_EVENTS] = LoggingSink()  # the escalation package replaces it
    app[DEADLINE_HANDLERS] = {}
    app.cleanup_ctx.append(store_ctx)
    draining.setup(app)
    health.setup(app)
    auth_routes.setup(app)
    admin.setup(app)
    signaling.setup(app)
    escalation.setup(app)
    conversations.setup(app)
    supervisor.setup(app)
    cobrowse.setup(app)
    web_pages.setup(app)
    engagement.setup(app)
    privacy.setup(app)
    return app
