"""Typed application state keys, all in one place."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import jinja2
import socketio
from aiohttp import web

from media.crypto import Sealer
from server.auth.authenticator import Authenticator
from server.auth.passwords import Passwords
from server.auth.tokens import TokenService
from server.chat_hooks import ChatBot
from server.config import Config
from server.outbound import OutboundPolicy
from server.ratelimit import RateLimiter
from server.session_events import SessionEventSink
from store.base import Store
from store.escalation_models import ClaimedDeadline
from store.models import Agent

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
TOKENS = web.AppKey("tokens", TokenService)
PASSWORDS = web.AppKey("passwords", Passwords)
AUTH = web.AppKey("auth", Authenticator)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
OUTBOUND = web.AppKey("outbound", OutboundPolicy)
SIO = web.AppKey("sio", socketio.AsyncServer)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SESSION_EVENTS = web.AppKey("session_events", SessionEventSink)
CHAT_BOT = web.AppKey("chat_bot", ChatBot)  # absent: conversations wait for an agent
OPENAPI_SPEC: web.AppKey[dict[str, Any]] = web.AppKey("openapi_spec")
SEALER = web.AppKey("sealer", Sealer)  # encryption at rest of files about customers


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
# their clients reconnect to another node (server/draining.py).
DRAINING: web.AppKey[asyncio.Event] = web.AppKey("draining")
