"""``GET /api/openapi.json`` (the spec built from the routes) and ``GET /api/docs``
(a self-contained page rendered on the server from the same spec; no CDN)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from markupsafe import Markup, escape

from server.platform.jsonio import json_response
from server.platform.keys import OPENAPI_SPEC
from server.platform.openapi import api, build_spec
from web.render import render


@api(summary="This API's OpenAPI 3.1 document", tag="docs")
async def openapi_json(request: web.Request) -> web.Response:
    return json_response(request.app[OPENAPI_SPEC])


@api(summary="Human-readable API documentation", tag="docs", content_type="text/html")
async def docs_page(request: web.Request) -> web.Response:
    spec = request.app[OPENAPI_SPEC]
    schemas = [(name, _linked(body)) for name, body in spec["components"]["schemas"].items()]
    return render(request, "api_docs.html", spec=spec, groups=_groups(spec), schemas=schemas)


def _groups(spec: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Operations grouped by tag, each with its schemas pretty-printed."""
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            success = next(iter(op["responses"].items()))
            by_tag.setdefault(op["tags"][0], []).append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "auth": ", ".join(op["x-coview-auth"]),
                    "parameters": op["parameters"],
                    "body": _schema_text(body.get("schema"), spec),
                    "status": success[0],
                    "response": _schema_text(_first_schema(success[1]), spec),
                    "errors": [code for code in op["responses"] if code.startswith(("4", "5"))],
                }
            )
    return sorted(by_tag.items())


def _first_schema(response: dict[str, Any]) -> dict[str, Any] | None:
    for media in response.get("content", {}).values():
        schema: dict[str, Any] | None = media.get("schema")
        return schema
    return None


_REF = re.compile(r"&#34;#/components/schemas/(\w+)&#34;")


def _linked(schema: dict[str, Any]) -> Markup:
    """Pretty JSON, escaped, with each $ref a link to the schema's section."""
    text = escape(json.dumps(schema, indent=2, ensure_ascii=False))
    return Markup(_REF.sub(r'<a href="#schema-\1">"\1"</a>', str(text)))


def _schema_text(schema: dict[str, Any] | None, spec: dict[str, Any]) -> Markup:
    if not schema:
        return Markup("")
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        schema = {"title": name, **spec["components"]["schemas"][name]}
    return _linked(schema)


async def spec_ctx(app: web.Application) -> AsyncIterator[None]:
    """Build the spec once, when every package has registered its routes."""
    app[OPENAPI_SPEC] = build_spec(app)
    yield


def setup(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi_json)
    app.router.add_get("/api/docs", docs_page)
    app.cleanup_ctx.append(spec_ctx)
