"""Escalations: a conversation upgraded into a visual session, from request to wrap-up.

``setup(app)`` is the one entry the app factory calls; it wires the subpackages:

- ``core``: the model's states and transitions, the service that applies them, events,
  deadlines, idempotency and the escalation API;
- ``routing``: who may take an escalation and in which order agents are asked;
- ``rules``: display rules and business hours (who sees the button, who may queue);
- ``chat``: web chat, the rule bot, the external bot and the hand-off to an escalation;
- ``integrations``: webhooks and callback requests;
- ``kpis``: contact-centre KPIs and the supervisor's live view;
- ``engagement``: proactive invitations, live visitors and assisted-conversion figures;
- ``coaching``: experts brought into a live session.

Extension points: ``app[ESCALATION_EVENTS].subscribe(observer)`` (what happened to an
escalation), ``app[AGENT_CHANGES].subscribe(observer)`` (whose presence or load changed)
and ``app[ELIGIBILITY]``. The package knows no transport: signaling subscribes to the
events to feed consoles.
"""

from __future__ import annotations

from aiohttp import web

from escalation import chat, coaching, core, engagement, integrations, kpis, rules


def setup(app: web.Application) -> None:
    core.setup(app)
    rules.setup(app)
    chat.setup(app)
    integrations.setup(app)
    kpis.setup(app)
    engagement.setup(app)
    coaching.setup(app)
