"""The escalation package's application keys (kept here so ``server`` does not import it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from escalation.eligibility import EligibilityCheck
from escalation.events import EscalationEvents

if TYPE_CHECKING:
    from escalation.feed import AgentFeed
    from escalation.live import LiveWaiters
    from escalation.service import EscalationService

ESCALATION_EVENTS = web.AppKey("escalation_events", EscalationEvents)
ELIGIBILITY: web.AppKey[EligibilityCheck] = web.AppKey("eligibility")
ESCALATIONS: web.AppKey[EscalationService] = web.AppKey("escalations")
AGENT_FEED: web.AppKey[AgentFeed] = web.AppKey("agent_feed")
LIVE: web.AppKey[LiveWaiters] = web.AppKey("escalation_live")
