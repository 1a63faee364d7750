"""Typed application state keys of the platform, in one place. A capability keeps the
keys of its own types beside them (``escalation/core/keys.py``, ``signaling/keys.py``,
``media/keys.py``, ``server/platform/auth/keys.py``) so no module here imports it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import jinja2
import socketio
from aiohttp import web

from server.platform.chat_hooks import ChatBot
from server.platform.config import Config
from server.platform.outbound import OutboundPolicy
from server.platform.ratelimit import RateLimiter
from server.platform.session_events import SessionEventSink
from store.base import Store
from store.escalation_models import ClaimedDeadline
from store.models import Agent

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
OUTBOUND = web.AppKey("outbound", OutboundPolicy)
SIO = web.AppKey("sio", socketio.AsyncServer)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SESSION_EVENTS = web.AppKey("session_events", SessionEventSink)
CHAT_BOT = web.AppKey("chat_bot", ChatBot)  # absent: conversations wait for an agent
OPENAPI_SPEC: web.AppKey[dict[str, Any]] = web.AppKey("openapi_spec")


# Readiness beyond the store's ping: each returns why this node is not ready, or None
# (e.g. its Socket.IO or co-browse pub/sub has lost Redis). Packages append theirs.
ReadinessCheck = Callable[[], str | None]
READINESS_CHECKS: web.AppKey[list[ReadinessCheck]] = web.AppKey("readiness_checks")

# Called after an agent changes their presence (the escalation package routes on it).
PresenceObserver = Callable[[Agent], Awaitable[None]]
PRESENCE_OBSERVERS: web.AppKey[list[PresenceObserver]] = web.AppKey("presence_observers")
# What a console gets on connecting to /agent: (event, payload) pairs for that agent.
AgentSnapshot = Callable[[str], Awaitable[list[tuple[str, dict[str, Any]]]]]
AGENT_SNAPSHOT: web.AppKey[AgentSnapshot] = web.AppKey("agent_snapshot")
# Deadline kinds other packages own (e.g. signaling's reconnect windows), by kind; the
# escalation package's deadline worker claims them with its own and calls these.
DeadlineHandler = Callable[[ClaimedDeadline], Awaitable[None]]
DEADLINE_HANDLERS: web.AppKey[dict[str, DeadlineHandler]] = web.AppKey("deadline_handlers")
# Set when the node starts shutting down (SIGTERM): long-lived responses (SSE) end so
# their clients reconnect to another node (server/platform/draining.py).
DRAINING: web.AppKey[asyncio.Event] = web.AppKey("draining")
