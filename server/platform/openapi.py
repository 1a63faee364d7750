"""OpenAPI 3.1 generated from the code: the router's table plus the pydantic models that
handlers declare, so the spec cannot drift from what is served.

A handler declares itself with ``@api(...)``; handlers of other packages are described
with ``describe(handler, ...)`` (``server/api_docs/catalog.py``). A test fails when
any ``/api`` route has no description.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from server.platform.middleware import PROBLEM_JSON

F = TypeVar("F", bound=Callable[..., Any])
Auth = Literal["agent", "supervisor", "admin", "api_key", "site_key", "session", "public"]

API_PREFIX = "/api/"
ATTRIBUTE = "__coview_api__"
REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflicting state",
    413: "Payload too large",
    422: "Invalid request",
    429: "Too many requests",
    503: "Service unavailable",
}
# Every operation may answer these; they are listed so clients know the error shape.
COMMON_ERRORS = (400, 405, 413, 429)
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "agent": [{"bearer": []}],
    "supervisor": [{"bearer": []}],
    "admin": [{"bearer": []}],
    "api_key": [{"bearer": []}],
    "session": [{"bearer": []}],
    "site_key": [{"siteKey": []}],
    "public": [],
}


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    auth: tuple[Auth, ...] = ("public",)
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    content_type: str = "application/json"  # of the success response
    errors: tuple[int, ...] = ()
    description: str = ""
    headers: tuple[str, ...] = ()  # request headers worth documenting (Idempotency-Key)
    extra: dict[str, Any] = field(default_factory=dict)


def api(**kwargs: Any) -> Callable[[F], F]:
    """Attach an Operation to a handler: ``@api(summary=..., tag=..., body=Model)``."""

    def decorate(handler: F) -> F:
        setattr(handler, ATTRIBUTE, Operation(**kwargs))
        return handler

    return decorate


def describe(handler: Callable[..., Any], **kwargs: Any) -> None:
    """Describe a handler defined elsewhere (another package's routes)."""
    target = getattr(handler, "__func__", handler)
    setattr(target, ATTRIBUTE, Operation(**kwargs))


def operation_of(handler: Any) -> Operation | None:
    found = getattr(handler, ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


class Problem(BaseModel):
    """RFC 7807 problem details, as every error is sent."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # OpenAPI form: {name} without regexes
    handler: Any


_REGEX_PARAM = re.compile(r"\{(\w+):[^}]*\}")


def api_routes(app: web.Application) -> list[ApiRoute]:
    """Every method+path under /api the router serves (HEAD implied by GET is skipped)."""
    found: list[ApiRoute] = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        raw = info.get("path") or info.get("formatter") or ""
        if not raw.startswith(API_PREFIX) or route.method in ("HEAD", "*"):
            continue
        found.append(ApiRoute(route.method, _REGEX_PARAM.sub(r"{\1}", raw), route.handler))
    return found


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_TEXT.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}},
    }


def _auth_errors(auth: Iterable[str]) -> tuple[int, ...]:
    return () if set(auth) == {"public"} else (401, 403)


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_spec(
    app: web.Application, title: str = "coview API", version: str = "1"
) -> dict[str, Any]:
    routes = api_routes(app)
    ops = [(r, operation_of(r.handler)) for r in routes]
    models: set[type[BaseModel]] = {Problem}
    for _, op in ops:
        if op is not None:
            models.update(m for m in (op.body, op.response) if m is not None)
    keyed = [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)]
    refs, defs = models_json_schema(keyed, ref_template=REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return refs[(model, "validation")]

    paths: dict[str, dict[str, Any]] = {}
    for route, op in ops:
        if op is None:
            continue  # undocumented: tests/api/test_openapi.py names it
        params: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"\{(\w+)\}", route.path)
        ]
        if op.query is not None:
            params += _query_parameters(op.query, schemas)
        params += [
            {
                "name": header,
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
            for header in op.headers
        ]
        success: dict[str, Any] = {"description": STATUS_TEXT.get(op.status, "OK")}
        if op.response is not None:
            success["content"] = {op.content_type: {"schema": ref(op.response)}}
        elif op.content_type != "application/json":
            success["content"] = {op.content_type: {"schema": {"type": "string"}}}
        responses: dict[str, Any] = {str(op.status): success}
        for status in sorted({*COMMON_ERRORS, *_auth_errors(op.auth), *op.errors}):
            responses[str(status)] = _problem_response(status)
        operation: dict[str, Any] = {
            "operationId": f"{route.method.lower()}_{_slug(route.path)}",
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
            "security": SECURITY[op.auth[0]] if len(op.auth) == 1 else _any_of(op.auth),
            "x-coview-auth": list(op.auth),
        }
        if op.description:
            operation["description"] = op.description
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        operation.update(op.extra)
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "coview's HTTP API. Errors are application/problem+json (RFC 7807).",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "agent access token, API key (cvk_...) or session token",
                },
                "siteKey": {"type": "apiKey", "in": "header", "name": "X-Coview-Site-Key"},
            },
        },
    }


def _any_of(auth: Iterable[str]) -> list[dict[str, list[str]]]:
    merged: list[dict[str, list[str]]] = []
    for kind in auth:
        for requirement in SECURITY[kind]:
            if requirement not in merged:
                merged.append(requirement)
    return merged


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.removeprefix(API_PREFIX).lower()).strip("_")
