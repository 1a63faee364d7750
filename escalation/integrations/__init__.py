"""What leaves coview for the integrator's systems: signed webhooks of escalation events
and callback requests left when visual help is not offered."""

from __future__ import annotations

from aiohttp import web

from escalation.core.keys import ESCALATION_EVENTS
from escalation.integrations import callbacks, webhook_routes
from escalation.integrations.webhooks import escalation_observer, webhooks_ctx


def setup(app: web.Application) -> None:
    webhook_routes.setup(app)
    callbacks.setup(app)
    app.cleanup_ctx.append(webhooks_ctx)
    app[ESCALATION_EVENTS].subscribe(escalation_observer(app))
