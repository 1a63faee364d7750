"""Admin API: sites, agents, masking and TURN settings, and the audit log (admins only)."""

from aiohttp import web

from server.admin import routes, tenant_settings


def setup(app: web.Application) -> None:
    routes.setup(app)
    tenant_settings.setup(app)


__all__ = ["setup"]
