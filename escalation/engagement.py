"""Registers the engagement features around escalations: availability rules, the
built-in bot, webhooks, CSAT, KPIs and the API documentation."""

from __future__ import annotations

from aiohttp import web

from escalation import docs_routes, kpi_routes, rules_routes, webhook_routes
from escalation.openapi_catalog import describe_foundation
from escalation.webhooks import webhooks_ctx


def setup(app: web.Application) -> None:
    rules_routes.setup(app)
    webhook_routes.setup(app)
    kpi_routes.setup(app)
    app.cleanup_ctx.append(webhooks_ctx)
    describe_foundation()
    docs_routes.setup(app)  # last: its spec is built from every route registered before
