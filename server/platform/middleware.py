"""Every error leaves the server as RFC 7807 ``application/problem+json``."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from server.platform.errors import (
    CoviewError,
    InternalError,
    MethodNotAllowed,
    StoreUnavailable,
    error_for_status,
)
from server.platform.jsonio import json_response
from store.outage import STORE_OUTAGES

log = logging.getLogger("coview.http")

PROBLEM_JSON = "application/problem+json"
STATIC_PREFIX = "/static/"


def problem_response(error: CoviewError) -> web.Response:
    return json_response(
        error.problem(), status=error.status, content_type=PROBLEM_JSON, headers=error.headers
    )


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CoviewError as exc:
        return problem_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = error_for_status(exc.status, exc.reason)
        if isinstance(exc, web.HTTPMethodNotAllowed):
            error = MethodNotAllowed(
                f"{request.method} is not allowed here",
                headers={"Allow": ", ".join(sorted(exc.allowed_methods))},
            )
        elif exc.status == 404:
            error = error_for_status(404, f"no resource at {request.path}")
        elif exc.status == 413:
            error = error_for_status(413, "request body is too large")
        return problem_response(error)
    except STORE_OUTAGES as exc:
        log.warning("store unavailable on %s %s: %r", request.method, request.path, exc)
        return problem_response(StoreUnavailable.caused_by(exc))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(InternalError("unexpected error; it has been logged"))


@web.middleware
async def cache_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Versioned static URLs (``?v=``) are immutable; everything else revalidates."""
    response = await handler(request)
    if request.path.startswith(STATIC_PREFIX) and "Cache-Control" not in response.headers:
        if "v" in request.query:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=300, must-revalidate"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
