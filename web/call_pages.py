"""The call page ``/call/{session_id}``: hosts the call UI (web/src/call) for a
customer (session token) or an agent (access token). The token travels in the URL
fragment (``#token=...``) so it never reaches server logs; the page keeps it in
sessionStorage so a reload rejoins the same call."""

from __future__ import annotations

import re

from aiohttp import web

from server.platform.errors import NotFound
from web.render import render

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


async def call_page(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    if not SESSION_ID.match(session_id):
        raise NotFound("unknown session")
    response = render(request, "call/call.html", session_id=session_id)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def observe_page(request: web.Request) -> web.Response:
    """A supervisor's view of a session in progress: the call and the customer's page."""
    session_id = request.match_info["session_id"]
    if not SESSION_ID.match(session_id):
        raise NotFound("unknown session")
    response = render(request, "call/observe.html", session_id=session_id)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/call/{session_id}", call_page, name="call")
    app.router.add_get("/observe/{session_id}", observe_page, name="observe")
