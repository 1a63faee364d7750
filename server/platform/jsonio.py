"""JSON in and out of the server: HTTP bodies and Socket.IO payloads, with orjson.

In: ``loads_limited`` is how every body, socket payload and co-browse frame header is
parsed. orjson parses in C and stops at its own depth limit (1024) instead of
exhausting the stack; then the depth is checked against ours (``MAX_DEPTH``) level by
level, without recursion (the two together cost less than the stdlib parse did). A
body nested thousands of levels deep is a 400, never a RecursionError (500) nor a
stuck worker. Sizes are checked before parsing (413).

Out: the stdlib encoder was the largest single cost of emitting escalations (nested
dicts with the customer's context, sent to consoles and returned by every action); orjson
encodes the same values in C several times faster. It writes UTF-8 rather than
``\\u`` escapes and compact separators; a value it cannot encode (a non-string key,
an integer wider than 64 bits) falls back to the stdlib, so nothing that encoded before
stops encoding.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from server.platform.errors import BadRequest, PayloadTooLarge

JSON = "application/json"
MAX_DEPTH = 32  # objects and arrays inside one another, in any body or socket payload


def nested_deeper_than(value: Any, max_depth: int) -> bool:
    """Whether objects/arrays nest in ``value`` over ``max_depth`` levels; one level at a
    time, without recursion, stopping as soon as the answer is known."""
    level = [value] if value.__class__ is dict or value.__class__ is list else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            return True
        children: list[Any] = []
        for container in level:
            children.extend(container.values() if container.__class__ is dict else container)
        level = [c for c in children if c.__class__ is dict or c.__class__ is list]
    return False


def loads_limited(
    raw: bytes | str, *, max_bytes: int | None = None, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse untrusted JSON: PayloadTooLarge (413) over ``max_bytes``, BadRequest (400)
    when malformed or nested deeper than ``max_depth``."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise PayloadTooLarge(f"JSON of {len(raw)} bytes is over the {max_bytes}-byte limit")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc):
            raise BadRequest(f"JSON nested deeper than {max_depth} levels") from exc
        raise BadRequest(f"malformed JSON: {exc}") from exc
    if nested_deeper_than(value, max_depth):
        raise BadRequest(f"JSON nested deeper than {max_depth} levels")
    return value


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # The stdlib refuses bytes too (TypeError), which Socket.IO's packet relies on
        # to send them as binary attachments.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode()


def json_response(
    data: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    content_type: str = JSON,
) -> web.Response:
    """``web.json_response`` with the fast encoder."""
    return web.Response(
        body=dumps_bytes(data),
        status=status,
        headers=headers,
        content_type=content_type,
        charset="utf-8",
    )
