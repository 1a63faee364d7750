"""Display rules and business hours: who sees the "video help" button and whether a
request may be queued (installed as ``app[ELIGIBILITY]``), with their admin API."""

from __future__ import annotations

from aiohttp import web

from escalation.core.keys import ELIGIBILITY
from escalation.rules.routes import setup as setup_routes
from escalation.rules.service import rules_eligibility


def setup(app: web.Application) -> None:
    app[ELIGIBILITY] = rules_eligibility
    setup_routes(app)
