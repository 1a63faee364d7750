"""Public pages."""

from __future__ import annotations

from aiohttp import web

from web.render import render


async def landing(request: web.Request) -> web.Response:
    return render(request, "landing.html")


async def admin_page(request: web.Request) -> web.Response:
    """The admin app; its data comes from the admin API, which checks the role."""
    return render(request, "admin.html")
