"""Typed app keys of the privacy package."""

from __future__ import annotations

from aiohttp import web

from server.privacy.consents import ConsentLedger

CONSENTS = web.AppKey("consents", ConsentLedger)
