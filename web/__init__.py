"""Pages, static assets and translations."""

from __future__ import annotations

from aiohttp import web

from server.platform import security_headers
from server.platform.keys import TEMPLATES
from server.platform.security_headers import PagePolicy
from web import call_pages, cobrowse_pages, console, cors, demo, widget_assets
from web.pages import admin_page, chat_page, dashboard_page, join_page, landing
from web.render import STATIC_DIR, make_environment

# What each page needs beyond the strictest Content-Security-Policy
# (server/platform/security_headers.py).
CALL = PagePolicy(media=True, inline_styles=True)  # the call UI injects its CSS
PAGE_POLICIES = {
    "chat": CALL,  # a chat may turn into a call
    "call": CALL,
    # a supervisor may whisper or barge in (issue #25): microphone and camera
    "observe": PagePolicy(media=True, inline_styles=True, replay=True),
    "console": PagePolicy(media=True, inline_styles=True, replay=True),
    "demo_product": CALL,  # the widget: shadow-root CSS, calls and screen sharing
    "demo_checkout": CALL,
    "demo_premium": CALL,
    "cobrowse_replay": PagePolicy(replay=True),
    "cobrowse_viewer": PagePolicy(replay=True),
    "cobrowse_demo_customer": PagePolicy(inline_styles=True, frames_self=True),
    "cobrowse_demo_frame": PagePolicy(framed_by_self=True),
}


def setup(app: web.Application) -> None:
    app.router.add_static("/static/", STATIC_DIR, name="static")
    app.router.add_get("/", landing, name="landing")
    app.router.add_get("/chat/{id}", chat_page, name="chat")
    app.router.add_get("/join", join_page, name="join")
    app.router.add_get("/admin", admin_page, name="admin")
    app.router.add_get("/dashboard", dashboard_page, name="dashboard")
    cobrowse_pages.setup(app)
    call_pages.setup(app)
    demo.setup(app)
    console.setup(app)
    widget_assets.setup(app)
    cors.setup(app)
    security_headers.register(app, PAGE_POLICIES)
    app[TEMPLATES] = make_environment(app)
