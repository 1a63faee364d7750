"""Values from outside that reach a header: a download's file name, and a page URL
read out of a free-form context. The URL and header-safe value types themselves live with
the records that carry them (``store/values.py``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from store.values import check_no_control


def content_disposition(filename: str, kind: str = "attachment") -> str:
    """An RFC 6266 ``Content-Disposition``: a plain ASCII fallback and the exact name
    as ``filename*``; CR/LF and quotes can never end the header early."""
    check_no_control(filename)
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def page_url_of(context: Any) -> str | None:
    """The page URL a free-form context (a chat's) carries, if any."""
    if not isinstance(context, dict):
        return None
    page = context.get("page")
    url = page.get("url") if isinstance(page, dict) else None
    return url if isinstance(url, str) else None
