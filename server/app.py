"""The application factory shared by the CLI, the tests and the benchmarks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

import cobrowse
import escalation
import signaling
import web as web_pages
from media.crypto import Sealer
from media.keys import SEALER
from server import admin, api_docs, data_requests, health, retention
from server.platform import draining
from server.platform.auth import routes as auth_routes
from server.platform.auth.authenticator import Authenticator
from server.platform.auth.keys import AUTH, PASSWORDS, TOKENS
from server.platform.auth.passwords import Passwords
from server.platform.auth.tokens import TokenService
from server.platform.config import Config
from server.platform.keys import (
    CONFIG,
    DEADLINE_HANDLERS,
    OUTBOUND,
    RATE_LIMITER,
    SESSION_EVENTS,
    STORE,
)
from server.platform.middleware import cache_middleware, problem_middleware
from server.platform.outbound import OutboundPolicy
from server.platform.ratelimit import RateLimiter
from server.platform.security_headers import PAGE_POLICIES, security_headers_middleware
from server.platform.session_events import LoggingSink
from server.privacy import routes as privacy
from server.seed import seed_demo, seed_demo_rules
from store import open_store

log = logging.getLogger("coview")


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Opens the store (and seeds the demo organisation once); closes it last."""
    config = app[CONFIG]
    store = open_store(
        config.store,
        data_dir=config.data_dir,
        redis=config.redis_target(),
        prefix=config.redis_prefix,
    )
    await store.open()
    app[STORE] = store
    app[AUTH] = Authenticator(store, app[TOKENS], config.reconnect_window_s)
    if config.seed_demo:
        await seed_demo(store, config, app[PASSWORDS])
        await seed_demo_rules(store)
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
        config.redis_target() if config.store == "redis" else None,
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
    escalation.setup(app)
    signaling.setup(app)  # after escalation: it subscribes the /agent feed to its events
    cobrowse.setup(app)
    web_pages.setup(app)
    privacy.setup(app)
    data_requests.setup(app)
    retention.setup(app)
    api_docs.setup(app)  # last: the document describes every route registered before
    return app
