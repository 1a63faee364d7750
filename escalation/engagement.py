"""Registers the engagement features around escalations: availability rules, the
built-in bot, webhooks, CSAT, KPIs and the API documentation."""

from __future__ import annotations

from aiohttp import web

from escalation import (
    bot_routes,
    callbacks,
    conversion_routes,
    docs_routes,
    kpi_routes,
    proactive_routes,
    rules_routes,
    webhook_routes,
)
from escalation.keys import ELIGIBILITY, ESCALATION_EVENTS
from escalation.openapi_catalog import (
    describe_admin,
    describe_escalations,
    describe_foundation,
    describe_media,
)
from escalation.rules_service import rules_eligibility
from escalation.webhooks import escalation_observer, webhooks_ctx


def setup(app: web.Application) -> None:
    app[ELIGIBILITY] = rules_eligibility
    rules_routes.setup(app)
    webhook_routes.setup(app)
    kpi_routes.setup(app)
    proactive_routes.setup(app)
    conversion_routes.setup(app)
    bot_routes.setup(app)
    callbacks.setup(app)
    app.cleanup_ctx.append(webhooks_ctx)
    app[ESCALATION_EVENTS].subscribe(escalation_observer(app))
    describe_foundation()
    describe_escalations()
    describe_admin()
    describe_media()
    docs_routes.setup(app)  # last: its spec is built from every route registered before
