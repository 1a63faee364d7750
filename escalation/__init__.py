"""Escalations: model, state machine, routing, rules, bot, webhooks and KPIs.

``setup(app)`` registers the API, the ``/agent`` feed emitters, the deadline worker and
the session-event sink. Extension points for the rest of the package:
``app[ESCALATION_EVENTS].subscribe(observer)`` (webhooks, metrics) and
``app[ELIGIBILITY]`` (the availability rules).
"""

from __future__ import annotations

from aiohttp import web

from escalation import experts
from escalation.deadlines import deadline_ctx
from escalation.eligibility import always_eligible
from escalation.events import EscalationEvents
from escalation.feed import AgentFeed
from escalation.keys import AGENT_FEED, ELIGIBILITY, ESCALATION_EVENTS, ESCALATIONS, LIVE
from escalation.live import LiveWaiters
from escalation.routes import setup_routes
from escalation.service import EscalationService
from escalation.sink import EscalationSessionSink
from server.keys import AGENT_SNAPSHOT, PRESENCE_OBSERVERS, SESSION_EVENTS


def setup(app: web.Application) -> None:
    events = EscalationEvents()
    live = LiveWaiters()
    feed = AgentFeed(app)
    service = EscalationService(app)
    events.subscribe(live.observe)
    events.subscribe(feed.observe)
    app[ESCALATION_EVENTS] = events
    app[LIVE] = live
    app[AGENT_FEED] = feed
    app[ESCALATIONS] = service
    app[ELIGIBILITY] = always_eligible
    app[SESSION_EVENTS] = EscalationSessionSink(service)
    app[AGENT_SNAPSHOT] = feed.snapshot
    app.setdefault(PRESENCE_OBSERVERS, []).append(service.presence_changed)
    app.cleanup_ctx.append(feed.ctx)
    app.cleanup_ctx.append(deadline_ctx)
    setup_routes(app)
    experts.setup(app)
