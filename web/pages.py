"""Public pages."""

from __future__ import annotations

from aiohttp import web

from web.render import render


async def landing(request: web.Request) -> web.Response:
    return render(request, "landing.html")


async def chat_page(request: web.Request) -> web.Response:
    return render(request, "chat.html", conversation_id=request.match_info["id"])


async def join_page(request: web.Request) -> web.Response:
    """Where a customer types the code an agent read out, or lands from an invite link."""
    return render(request, "join.html", invite=request.query.get("invite", ""))


async def admin_page(request: web.Request) -> web.Response:
    """The admin app; its data comes from the admin API, which checks the role."""
    return render(request, "admin.html")
