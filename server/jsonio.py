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
        if isinstance(value, bytes | bytearray) or _has_bytes(value):
            raise
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode()


def _has_bytes(value: Any) -> bool:
    """Whether bytes hide in ``value`` (those must not encode: Socket.IO sends them as
    binary attachments, and its packet relies on the encode failing)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, bytes | bytearray):
            return True
        if isinstance(item, list | tuple):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return False


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
