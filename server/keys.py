"""Typed application state keys, all in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jinja2
import socketio
from aiohttp import web

from server.auth.authenticator import Authenticator
from server.auth.passwords import Passwords
from server.auth.tokens import TokenService
from server.chat_hooks import ChatBot
from server.config import Config
from server.ratelimit import RateLimiter
from server.session_events import SessionEventSink
from store.base import Store
from store.models import Agent

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
TOKENS = web.AppKey("tokens", TokenService)
PASSWORDS = web.AppKey("passwords", Passwords)
AUTH = web.AppKey("auth", Authenticator)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
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
