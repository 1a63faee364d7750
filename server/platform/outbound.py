"""Where the server may send requests on a tenant's behalf (webhooks, the external bot).

An admin sets those URLs, so without a guard the server would POST to its own Redis, a
cloud metadata service or anything on the private network (SSRF). The guard:

- when a URL is saved, a host that is a literal address (or ``localhost``) in a
  forbidden range is refused (422);
- at delivery, the connector's resolver checks every address a name resolves to and the
  connection is made only to those checked addresses (no second lookup an attacker's
  DNS could answer differently: no rebinding between check and connect); a literal
  address is checked before the request;
- redirects are never followed (callers pass ``allow_redirects=False``);
- exceptions only through ``COVIEW_OUTBOUND_ALLOW``: CIDRs and host names, e.g. the
  loopback receiver of the tests or a bot on the same private network.

Forbidden: loopback, private (RFC 1918, ULA), link-local, multicast, unspecified,
reserved, shared (CGNAT) and any other not globally routable address, IPv4 and IPv6,
with IPv4 carried in IPv6 (mapped, 6to4, NAT64) judged as the IPv4 address it carries.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from server.platform.errors import FieldError, Unprocessable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class OutboundRefused(OSError):
    """A request the policy does not allow; ``reason`` says why, for the delivery log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_address(host: str) -> IPAddress | None:
    """The address a URL host denotes literally, including the legacy IPv4 forms
    (``2130706433``, ``0x7f.1``) that resolvers accept."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def forbidden_kind(address: IPAddress) -> str | None:
    """Why ``address`` may not be reached (``"loopback"``, ``"private"``...), or None."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return forbidden_kind(inner)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


@dataclass(frozen=True)
class OutboundPolicy:
    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_entries(cls, entries: tuple[str, ...]) -> OutboundPolicy:
        """``COVIEW_OUTBOUND_ALLOW``: each entry a CIDR / address or a host name."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts

    def refusal(self, address: IPAddress, host: str) -> str | None:
        """The reason ``address`` (for ``host``) is refused, or None."""
        if any(address in network for network in self.allowed_networks):
            return None
        kind = forbidden_kind(address)
        if kind is None:
            return None
        shown = host if host == str(address) else f"{host} resolves to {address}"
        return f"{shown}: {kind} address"

    def literal_refusal(self, url: str) -> str | None:
        """Why the host of ``url`` is refused without resolving it: a forbidden literal
        address or a name that always means this machine. Other names are checked by
        the resolver of ``session``, at delivery."""
        host = (urlsplit(url).hostname or "").rstrip(".")
        if not host or self.host_allowed(host):
            return None
        name = host.lower()
        if name in LOCAL_NAMES or name.endswith(".localhost"):
            return f"{host} is this machine"
        address = parse_address(host)
        return self.refusal(address, host) if address is not None else None

    def check_saved(self, url: str, field: str = "url") -> None:
        """When a URL is saved: 422 for a forbidden literal host."""
        reason = self.literal_refusal(url)
        if reason is not None:
            message = f"refused: {reason} (allow it with COVIEW_OUTBOUND_ALLOW)"
            raise Unprocessable("this URL may not be called", errors=[FieldError(field, message)])

    def check_request(self, url: str) -> None:
        """Before a request: OutboundRefused for a forbidden literal host."""
        reason = self.literal_refusal(url)
        if reason is not None:
            raise OutboundRefused(reason)

    def session(self, **kwargs: Any) -> aiohttp.ClientSession:
        """A client session that connects only to addresses this policy allows."""
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(self), use_dns_cache=False)
        return aiohttp.ClientSession(connector=connector, trust_env=False, **kwargs)


class GuardedResolver(AbstractResolver):
    """Resolves as usual, then refuses the name if any address is forbidden; the
    connector connects to the addresses returned here, so the check is the connect."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self.policy.host_allowed(host):
            return await self.inner.resolve(host, port, family)
        results = await self.inner.resolve(host, port, family)
        for result in results:
            reason = self.policy.refusal(ipaddress.ip_address(result["host"]), host)
            if reason is not None:
                raise OutboundRefused(reason)
        return results

    async def close(self) -> None:
        await self.inner.close()


def refusal_of(exc: BaseException) -> OutboundRefused | None:
    """The policy refusal behind an aiohttp connection error, if that is what it was."""
    if isinstance(exc, OutboundRefused):
        return exc
    cause = getattr(exc, "os_error", None)
    return cause if isinstance(cause, OutboundRefused) else None
