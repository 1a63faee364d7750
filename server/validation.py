"""Request bodies and messages parsed into strict pydantic models.

Malformed JSON is a 400; JSON of the wrong shape or types is a 422 listing each field.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from server.errors import BadRequest, FieldError, Unprocessable
from server.untrusted import EDGE

M = TypeVar("M", bound=BaseModel)


class ApiModel(BaseModel):
    """Base of every request body and message: strict types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


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


async def read_json(request: web.Request, model: type[M]) -> M:
    raw = await request.read()  # client_max_size turns an oversize body into 413
    if not raw:
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"malformed JSON: {exc}") from exc
    return parse_model(model, data)
