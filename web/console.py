"""The agent console page; everything else happens in its script over the API."""

from __future__ import annotations

from aiohttp import web

from web.render import render


async def console(request: web.Request) -> web.Response:
    return render(request, "console.html")


def setup(app: web.Application) -> None:
    app.router.add_get("/console", console, name="console")
