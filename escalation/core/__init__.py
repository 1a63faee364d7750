"""The escalation itself: states and transitions, the service that applies them
(routing decisions, deadlines, events), idempotent creation and the escalation API."""

from __future__ import annotations

from aiohttp import web

from escalation.core.deadlines import deadline_ctx
from escalation.core.eligibility import always_eligible
from escalation.core.events import AgentChanges, AgentNotices, EscalationEvents
from escalation.core.keys import (
    AGENT_CHANGES,
    AGENT_NOTICES,
    ELIGIBILITY,
    ESCALATION_EVENTS,
    LIVE,
)
from escalation.core.live import LiveWaiters
from escalation.core.routes import setup_routes
from escalation.core.service import ESCALATIONS, EscalationService
from escalation.core.session_sink import EscalationSessionSink
from server.platform.keys import PRESENCE_OBSERVERS, SESSION_EVENTS


def setup(app: web.Application) -> None:
    events = EscalationEvents()
    live = LiveWaiters()
    service = EscalationService(app)
    events.subscribe(live.observe)
    app[ESCALATION_EVENTS] = events
    app[AGENT_CHANGES] = AgentChanges()
    app[AGENT_NOTICES] = AgentNotices()
    app[LIVE] = live
    app[ESCALATIONS] = service
    app[ELIGIBILITY] = always_eligible  # until escalation.rules.engine installs the rules
    app[SESSION_EVENTS] = EscalationSessionSink(service)
    app.setdefault(PRESENCE_OBSERVERS, []).append(service.presence_changed)
    app.cleanup_ctx.append(deadline_ctx)
    setup_routes(app)
