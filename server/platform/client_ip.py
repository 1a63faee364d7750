"""The address a request really came from, for rate limits and logs.

Behind a reverse proxy (deploy/nginx.conf) every request arrives from the proxy, so
per-client rate limits would throttle all clients together. ``X-Forwarded-For`` is
believed only when the peer is one of ``Config.trusted_proxies``; the client is the
rightmost address in the chain that is not a trusted proxy (a client cannot forge
its way past the proxies, which append what they saw).
"""

from __future__ import annotations

import functools
import ipaddress

from aiohttp import web

from server.platform.keys import CONFIG

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: web.Request) -> str:
    remote = request.remote or ""
    networks = _networks(request.app[CONFIG].trusted_proxies)
    if not networks or not _trusted(remote, networks):
        return remote
    chain = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([h for h in chain if h]):
        if not _trusted(hop, networks):
            return hop
        remote = hop
    return remote
