"""The escalation package's application keys (kept here so ``server`` does not import it).

``ESCALATIONS`` sits beside ``EscalationService`` (``escalation/core/service.py``), which
uses the keys below: this module imports nothing of the service, so the two never import
each other."""

from __future__ import annotations

from aiohttp import web

from escalation.core.eligibility import EligibilityCheck
from escalation.core.events import AgentChanges, AgentNotices, EscalationEvents
from escalation.core.live import LiveWaiters

ESCALATION_EVENTS = web.AppKey("escalation_events", EscalationEvents)
AGENT_CHANGES = web.AppKey("agent_changes", AgentChanges)
AGENT_NOTICES = web.AppKey("agent_notices", AgentNotices)
ELIGIBILITY: web.AppKey[EligibilityCheck] = web.AppKey("eligibility")
LIVE = web.AppKey("escalation_live", LiveWaiters)
