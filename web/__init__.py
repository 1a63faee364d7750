"""Pages, static assets and translations."""

from __future__ import annotations

from aiohttp import web

from server.keys import TEMPLATES
from web.pages import admin_page, chat_page, join_page, landing
from web.render import STATIC_DIR, make_environment


def setup(app: web.Application) -> None:
    app.router.add_static("/static/", STATIC_DIR, name="static")
    app.router.add_get("/", landing, name="landing")
    app.router.add_get("/chat/{id}", chat_page, name="chat")
    app.router.add_get("/join", join_page, name="join")
    app.router.add_get("/admin", admin_page, name="admin")
    app[TEMPLATES] = make_environment(app)
