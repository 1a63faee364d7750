"""Public pages."""

from __future__ import annotations

from aiohttp import web

from web.render import render


async def landing(request: web.Request) -> web.Response:
    return render(request, "landing.html")


async def chat_page(request: web.Request) -> web.Response:
    return render(request, "chat.html", conversation_id=request.match_info["id"])
