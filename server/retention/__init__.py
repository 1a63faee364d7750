"""Retention (LGPD/GDPR): per-organisation periods for each kind of data, and the purge
that removes what outlived them from the store and the data dir, on one node at a time
under a store lease. It deletes every capability's data, so it sits above them, beside
signaling, web and the data subject requests."""

from __future__ import annotations

from aiohttp import web

from server.retention import routes


def setup(app: web.Application) -> None:
    routes.setup(app)
