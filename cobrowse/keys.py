"""Typed app keys of the co-browse package."""

from __future__ import annotations

from aiohttp import web

from cobrowse.hub import Hub
from cobrowse.masking import Maskers

COBROWSE = web.AppKey("cobrowse", Hub)
MASKER = web.AppKey("cobrowse_maskers", Maskers)
