"""The API's OpenAPI document and its docs page, built from every route the packages
registered (the composition root sets it up last)."""

from __future__ import annotations

from aiohttp import web

from server.api_docs import routes
from server.api_docs.catalog import (
    describe_admin,
    describe_data_requests,
    describe_escalations,
    describe_foundation,
    describe_media,
)


def setup(app: web.Application) -> None:
    describe_foundation()
    describe_escalations()
    describe_admin()
    describe_media()
    describe_data_requests()
    routes.setup(app)
