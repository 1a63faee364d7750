"""Admin API: sites, agents, and the audit log (admins only)."""

from server.admin.routes import setup

__all__ = ["setup"]
