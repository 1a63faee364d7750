"""JSON out of the server: HTTP bodies and Socket.IO payloads, encoded with orjson.

The stdlib encoder was the largest single cost of emitting escalations (nested dicts
with the customer's context, sent to consoles and returned by every action); orjson
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

JSON = "application/json"


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
