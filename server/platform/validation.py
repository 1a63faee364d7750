"""Request bodies and messages parsed into strict pydantic models.

Malformed JSON is a 400; JSON of the wrong shape or types is a 422 listing each field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from server.platform.errors import FieldError, Unprocessable
from server.platform.jsonio import loads_limited
from store.values import EDGE, StrictModel

M = TypeVar("M", bound=BaseModel)


class ApiModel(StrictModel):
    """Base of every request body and message: strict types, no unknown fields."""


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [
        FieldError(".".join(str(p) for p in err["loc"]) or "(body)", err["msg"])
        for err in exc.errors()
    ]


def parse_model(model: type[M], data: Any, *, strict: bool | None = None) -> M:
    """``strict=False`` for query strings, whose values are all text."""
    try:
        return model.model_validate(data, strict=strict, context=EDGE)
    except ValidationError as exc:
        raise Unprocessable("the request is not valid", errors=field_errors(exc)) from exc


async def read_body(request: web.Request) -> Any:
    """The request's JSON body (``{}`` when empty): 413 over the size limit (aiohttp's
    ``client_max_size``), 400 when malformed or nested too deeply."""
    raw = await request.read()
    return loads_limited(raw) if raw else {}


async def read_json(request: web.Request, model: type[M]) -> M:
    return parse_model(model, await read_body(request))
