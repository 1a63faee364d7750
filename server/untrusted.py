"""Checks on outside values that end up in a link or in a header.

A URL a customer, bot or integrator gives (a page URL, a callback's ``page_url``) is
shown to agents as a link, so only ``http:`` and ``https:`` are accepted: a
``javascript:`` or ``data:`` link would run in the console's origin with the agent's
token. At the API (``parse_model`` validates with ``EDGE``) a bad value is a 422; a
record read back from the store is not refused, its bad URL is blanked instead, so
data written before this check cannot break a page. The front end renders every such
link through ``web/src/shared/url.ts`` as a second line.

Values that reach a header (a URL the server posts to, a download's file name) may
not contain CR, LF or other control characters.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from pydantic import AfterValidator, ValidationInfo

WEB_SCHEMES = ("http", "https")
EDGE = {"edge": True}  # pydantic validation context of a request body
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


def _no_control(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("must not contain control characters (CR, LF, tab...)")
    return value


# A page URL (empty allowed) an agent may open: http(s) or a path only.
WebUrl = Annotated[str, AfterValidator(_web_url)]
# A single-line value that may reach a header or a file name.
HeaderSafe = Annotated[str, AfterValidator(_no_control)]


def check_web_url(value: str) -> str:
    """For URLs the server itself requests: http(s) only, always refused otherwise."""
    if not is_web_url(value):
        raise ValueError("must be an absolute http:// or https:// URL without spaces")
    return value


def content_disposition(filename: str, kind: str = "attachment") -> str:
    """An RFC 6266 ``Content-Disposition``: a plain ASCII fallback and the exact name
    as ``filename*``; CR/LF and quotes can never end the header early."""
    _no_control(filename)
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def page_url_of(context: Any) -> str | None:
    """The page URL a free-form context (a chat's) carries, if any."""
    if not isinstance(context, dict):
        return None
    page = context.get("page")
    url = page.get("url") if isinstance(page, dict) else None
    return url if isinstance(url, str) else None
