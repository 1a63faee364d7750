"""Installs the privacy package on the app."""

from __future__ import annotations

from aiohttp import web

from server.privacy import audit_routes, consent_routes, retention_routes
from server.privacy.consents import ConsentLedger
from server.privacy.keys import CONSENTS


def setup(app: web.Application) -> None:
    app[CONSENTS] = ConsentLedger(app)
    consent_routes.setup(app)
    audit_routes.setup(app)
    retention_routes.setup(app)
