"""Data subject requests (LGPD/GDPR): find everything coview keeps about a customer
across every capability (escalations, chat, consents, recordings, co-browse, callbacks,
webhook deliveries), export it as a streamed zip, or erase it with a report. It reads
every capability's data, so it sits above them, beside signaling and web."""

from __future__ import annotations

from aiohttp import web

from server.data_requests import routes


def setup(app: web.Application) -> None:
    routes.setup(app)
