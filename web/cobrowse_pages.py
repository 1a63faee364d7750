"""Co-browse test and demo pages: a customer page with masked and unmasked fields, and
a bare agent viewer. Tokens travel in the URL fragment (never sent to the server)."""

from __future__ import annotations

from aiohttp import web

from web.render import render


async def demo_customer(request: web.Request) -> web.Response:
    page = request.query.get("page", "1")
    return render(
        request,
        "cobrowse/demo_customer.html",
        page=page if page == "2" else "1",
        edge=request.query.get("edge") == "1",  # same-origin iframe, shadow DOM, canvas
        big=6_000 if request.query.get("big") == "1" else 0,  # a page of >5,000 nodes
    )


async def demo_frame(request: web.Request) -> web.Response:
    html = (
        "<!doctype html><html><body><p id='inside'>Inside the same-origin frame</p></body></html>"
    )
    return web.Response(text=html, content_type="text/html")


async def viewer(request: web.Request) -> web.Response:
    return render(request, "cobrowse/viewer.html", session_id=request.query.get("session_id", ""))


async def replay(request: web.Request) -> web.Response:
    return render(request, "cobrowse/replay.html", session_id=request.match_info["session_id"])


def setup(app: web.Application) -> None:
    app.router.add_get("/cobrowse/replay/{session_id}", replay, name="cobrowse_replay")
    app.router.add_get("/cobrowse/demo-customer", demo_customer, name="cobrowse_demo_customer")
    app.router.add_get("/cobrowse/viewer", viewer, name="cobrowse_viewer")
    app.router.add_get("/cobrowse/demo-frame", demo_frame, name="cobrowse_demo_frame")
