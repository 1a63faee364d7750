"""Contact-centre KPIs (wait, service level, abandonment, handle time, CSAT) computed
from escalation events, and the supervisor's live view of agents and sessions."""

from __future__ import annotations

from aiohttp import web

from escalation.kpis import routes, supervisor


def setup(app: web.Application) -> None:
    routes.setup(app)
    supervisor.setup(app)
