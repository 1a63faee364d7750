"""Proactive engagement and what it earns: invitations offered when a shopper hesitates
(rules in ``escalation.rules.engine``), live visitors agents may invite, purchases tracked by
the widget and attributed to the visual help that preceded them."""

from __future__ import annotations

from aiohttp import web

from escalation.engagement import conversion_routes, proactive_routes


def setup(app: web.Application) -> None:
    proactive_routes.setup(app)
    conversion_routes.setup(app)
