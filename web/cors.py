"""CORS for the endpoints the embeddable widget calls from customers' sites.

The widget authenticates with the site key (whose allowed origins the server checks on
every request) or the customer's bearer session token; browsers send no cookies to
coview, so answering any origin adds no ambient authority. Agent and admin endpoints
stay same-origin.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.typedefs import Handler

WIDGET_PATHS = re.compile(
    r"^/api/(availability|join|conversations|bot/messages|callbacks|track"
    r"|proactive/(check|events|presence)"
    r"|escalations(/[^/]+(/(events|cancel|abandon|csat))?)?)$"
)
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, X-Coview-Site-Key, X-Coview-Identity, "
    "Last-Event-ID"
)
MAX_AGE_S = "600"


def is_widget_path(path: str) -> bool:
    return WIDGET_PATHS.match(path) is not None


@web.middleware
async def preflight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answers CORS preflights for the widget's paths before routing (they are not API
    operations of their own, so they have no routes)."""
    if (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
        and is_widget_path(request.path)
    ):
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": MAX_AGE_S,
            },
        )
    return await handler(request)


async def _allow_origin(request: web.Request, response: web.StreamResponse) -> None:
    if "Origin" in request.headers and is_widget_path(request.path):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.headers.setdefault("Access-Control-Expose-Headers", "Retry-After")


def setup(app: web.Application) -> None:
    app.middlewares.append(preflight_middleware)
    app.on_response_prepare.append(_allow_origin)
