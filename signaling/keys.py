"""App keys owned by the signaling package (kept here: server/platform/keys.py must not
import signaling)."""

from __future__ import annotations

from aiohttp import web

from signaling.agent_feed import AgentFeed
from signaling.session_ns import SessionNamespace

SESSION_NS = web.AppKey("session_ns", SessionNamespace)
AGENT_FEED = web.AppKey("agent_feed", AgentFeed)
