"""The widget's stable URL (``/widget.js``) for site owners' ``<script>`` tags, and CORS
on the bundles, since the widget lazily imports modules from any customer site."""

from __future__ import annotations

from aiohttp import web

from server.platform.errors import Unavailable
from web.render import STATIC_DIR

DIST_DIR = STATIC_DIR / "dist"
DIST_PREFIX = "/static/dist/"


async def widget_js(request: web.Request) -> web.StreamResponse:
    path = DIST_DIR / "widget.js"
    if not path.is_file():
        raise Unavailable("the widget is not built yet: run `npm run build` in web/")
    # Short cache: the tag's URL never changes, so new releases must reach sites soon.
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "text/javascript; charset=utf-8",
            "Cache-Control": "public, max-age=300, must-revalidate",
            "Access-Control-Allow-Origin": "*",
        },
    )


async def _cors_for_bundles(request: web.Request, response: web.StreamResponse) -> None:
    """Module scripts are fetched in CORS mode; bundles hold no secrets."""
    if request.path.startswith(DIST_PREFIX):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")


def setup(app: web.Application) -> None:
    app.router.add_get("/widget.js", widget_js, name="widget_js")
    app.on_response_prepare.append(_cors_for_bundles)
