"""Registers the engagement features around escalations: availability rules, the
built-in bot, webhooks, CSAT, KPIs and the API documentation."""

from __future__ import annotations

from aiohttp import web

from escalation import docs_routes, rules_routes
from escalation.openapi_catalog import describe_foundation


def setup(app: web.Application) -> None:
    rules_routes.setup(app)
    describe_foundation()
    docs_routes.setup(app)  # last: its spec is built from every route registered before
