"""The media package's application keys (kept here: server/platform/keys.py must not
import a capability)."""

from __future__ import annotations

from aiohttp import web

from media.crypto import Sealer

SEALER = web.AppKey("sealer", Sealer)  # encryption at rest of files about customers
