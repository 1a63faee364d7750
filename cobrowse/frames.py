"""Co-browse framing: a short JSON header line, ``\\n``, then an optional payload.

The server reads only the header; the payload (rrweb events) is forwarded as the bytes
it arrived as, unless masking has to rewrite it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field

from server.platform.errors import BadRequest
from server.platform.jsonio import loads_limited
from server.platform.validation import ApiModel, parse_model

MAX_HEADER_BYTES = 4_096


def parse_frame(data: bytes) -> tuple[dict[str, Any], bytes]:
    """Split a frame into its header (a JSON object with a string ``t``) and payload."""
    end = data.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0:
        if len(data) > MAX_HEADER_BYTES:
            raise BadRequest(f"frame header longer than {MAX_HEADER_BYTES} bytes")
        head, payload = data, b""
    else:
        head, payload = data[:end], data[end + 1 :]
    header = loads_limited(head) if head.strip() else None
    if not isinstance(header, dict) or not isinstance(header.get("t"), str):
        raise BadRequest('frame header must be a JSON object with a string "t"')
    return header, payload


def encode_frame(header: dict[str, Any], payload: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return head + b"\n" + payload if payload else head


# Headers the server checks before relaying them (agent tools and control).


class EventsHeader(ApiModel):
    t: Literal["events"]
    seq: int = Field(ge=0)
    full: bool = False  # the batch starts with a full snapshot (rrweb meta + type 2)


class PointerHeader(ApiModel):
    t: Literal["pointer"]
    x: float
    y: float


class NodeHeader(ApiModel):
    t: Literal["highlight", "guide"]
    node_id: int = Field(ge=0)


class DrawHeader(ApiModel):
    t: Literal["draw"]
    points: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, max_length=500
    )


class ConsentText(ApiModel):
    """The prompt's text as the customer saw it and its language, for the consent
    record (optional: integrations that ask in their own UI may omit them)."""

    text: str | None = Field(default=None, max_length=2_000)
    lang: str | None = Field(default=None, max_length=35)


class ControlGrantHeader(ConsentText):
    t: Literal["control-grant"]
    agent_id: str | None = None


class ControlAnswerHeader(ConsentText):
    t: Literal["control-decline", "control-revoke"]
    agent_id: str | None = None  # who asked (informational)


class RecordingConsentHeader(ConsentText):
    t: Literal["recording-consent"]
    granted: bool


class InputHeader(ApiModel):
    t: Literal["input"]
    kind: Literal["click", "type", "scroll", "navigate"]
    node_id: int | None = Field(default=None, ge=0)
    x: float | None = None
    y: float | None = None
    text: str | None = Field(default=None, max_length=2_000)
    url: str | None = Field(default=None, max_length=2_000)


def checked(model: type[ApiModel], header: dict[str, Any]) -> dict[str, Any]:
    """The header validated and normalised (unknown fields refused)."""
    return parse_model(model, header).model_dump(exclude_none=True)
