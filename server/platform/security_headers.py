"""Content-Security-Policy and the other browser security headers, per page.

Every HTML page coview serves gets a strict policy: scripts only from coview itself
(no inline script, no ``eval``), no plugins, no ``<base>``, never framed by another
site (clickjacking), network access only to coview (HTTP and WebSocket),
camera/microphone/screen capture only where a page holds a call. Pages differ in a
few switches (``PagePolicy``), chosen by route name; a page without an entry gets the
strictest one.

Styles: components that render inside a shadow root or a container (the widget, the
call slot, the co-browse viewer) inject their CSS as ``<style>`` elements, and the
rrweb replay rebuilds the customer's page, inline styles included, in a sandboxed
iframe that inherits this policy; those pages allow inline *styles* (never scripts).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from server.platform.keys import CONFIG

HSTS_MAX_AGE_S = 31_536_000


@dataclass(frozen=True)
class PagePolicy:
    media: bool = False  # holds a call: camera, microphone, screen capture
    inline_styles: bool = False  # injects <style> elements or style attributes
    replay: bool = False  # shows a customer's page (rrweb): their images and fonts
    framed_by_self: bool = False  # a coview page frames it (a co-browse test frame)
    frames_self: bool = False  # frames coview's own pages


STRICT = PagePolicy()
PAGE_POLICIES: web.AppKey[dict[str, PagePolicy]] = web.AppKey("page_policies")


def _origin_hosts(*urls: str) -> list[str]:
    hosts: list[str] = []
    for url in urls:
        netloc = urlsplit(url).netloc
        if netloc and netloc not in hosts:
            hosts.append(netloc)
    return hosts


def content_security_policy(policy: PagePolicy, hosts: list[str]) -> str:
    sockets = [f"{scheme}://{host}" for host in hosts for scheme in ("ws", "wss")]
    style = ["'self'", "'unsafe-inline'"] if policy.inline_styles or policy.replay else ["'self'"]
    images = ["'self'", "data:", "blob:", *(["https:", "http:"] if policy.replay else [])]
    fonts = ["'self'", *(["data:", "https:", "http:"] if policy.replay else [])]
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": style,
        "img-src": images,
        "font-src": fonts,
        "media-src": ["'self'", "blob:"],
        # STUN/TURN are not listed: CSP has no syntax for stun:/turn: hosts (Chromium
        # rejects "turn:host:port" as an invalid source) and ICE is not a fetch, so
        # connect-src does not govern it; the server hands out the ICE servers.
        "connect-src": ["'self'", *sockets],
        "worker-src": ["'self'", "blob:"],
        "frame-src": ["'self'"] if policy.frames_self or policy.replay else ["'none'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'self'"] if policy.framed_by_self else ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def permissions_policy(policy: PagePolicy) -> str:
    allowed = "(self)" if policy.media else "()"
    features = [f"{f}={allowed}" for f in ("camera", "microphone", "display-capture")]
    features += [f"{f}=()" for f in ("geolocation", "payment", "usb", "serial", "hid")]
    return ", ".join(features)


def page_policy(request: web.Request) -> PagePolicy:
    route = request.match_info.route
    name = route.name if route.resource is not None else None
    return request.app[PAGE_POLICIES].get(name or "", STRICT)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    config = request.app[CONFIG]
    if config.base_url.startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}")
    if response.content_type != "text/html":
        return response
    policy = page_policy(request)
    hosts = _origin_hosts(config.base_url, f"//{request.host}")
    csp = content_security_policy(policy, hosts)
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if policy.framed_by_self else "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = permissions_policy(policy)
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def register(app: web.Application, policies: dict[str, PagePolicy]) -> None:
    """Pages (by route name) that need more than the strictest policy."""
    app[PAGE_POLICIES].update(policies)
