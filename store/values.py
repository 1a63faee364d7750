"""Value types of stored records that come from outside: URLs an agent may open and
single-line values that may reach a header. Plain pydantic, no server imports: the store
(the bottom layer) defines its records with them, and the API validates with them.

A URL a customer, bot or integrator gives (a page URL, a callback's ``page_url``) is
shown to agents as a link, so only ``http:`` and ``https:`` (or a ``/path``) are
accepted: a ``javascript:`` or ``data:`` link would run in the console's origin with the
agent's token. At the API (``parse_model`` validates with ``EDGE``) a bad value is a
422; a record read back from the store is not refused, its bad URL is blanked instead,
so data written before this check cannot break a page. The front end renders every such
link through ``web/src/shared/url.ts`` as a second line.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo

WEB_SCHEMES = ("http", "https")
EDGE = {"edge": True}  # pydantic validation context of a request body
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class StrictModel(BaseModel):
    """Strict types, no unknown fields, immutable: records that are also request bodies
    (an escalation's context) and every request body (``ApiModel``)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def is_web_url(value: str) -> bool:
    """An absolute ``http(s)://host/...`` URL with no spaces or control characters."""
    if CONTROL.search(value) or " " in value or "\\" in value:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def at_edge(info: ValidationInfo) -> bool:
    return bool(isinstance(info.context, dict) and info.context.get("edge"))


def is_page_url(value: str) -> bool:
    """A web URL, or a path on the integrator's site (``/shop/checkout``): a link to
    either can only load a page, never run script."""
    if value.startswith("/") and not value.startswith("//"):
        return not CONTROL.search(value) and "\\" not in value
    return is_web_url(value)


def _web_url(value: str, info: ValidationInfo) -> str:
    if not value or is_page_url(value):
        return value
    if at_edge(info):
        raise ValueError("must be an http:// or https:// URL (or a /path)")
    return ""  # stored before the check: neutralised, not fatal


def check_no_control(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("must not contain control characters (CR, LF, tab...)")
    return value


# A page URL (empty allowed) an agent may open: http(s) or a path only.
WebUrl = Annotated[str, AfterValidator(_web_url)]
# A single-line value that may reach a header or a file name.
HeaderSafe = Annotated[str, AfterValidator(check_no_control)]


def check_web_url(value: str) -> str:
    """For URLs the server itself requests: http(s) only, always refused otherwise."""
    if not is_web_url(value):
        raise ValueError("must be an absolute http:// or https:// URL without spaces")
    return value
