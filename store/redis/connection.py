"""The one place a Redis client is made: the store, the Socket.IO manager, the co-browse
bus and the rate limits all get theirs here, so they reach the same server (one URL, or
the master a set of Sentinels names) with the same bounds.

Bounds: connecting and every reply wait at most ``timeout_s``; so does waiting for a
free pooled connection. A failed command is retried once at once on a fresh connection
(a pooled connection to a Redis that restarted is dead; the retry asks the Sentinels
again, so it reaches a newly promoted master), then the error goes up: the HTTP layer
answers 503 with ``Retry-After`` (``store/outage.py``). Nothing waits on Redis without
a bound, and every wait suspends only its own task, never the event loop.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

MAX_CONNECTIONS = 64

# Dead TCP peers (a host gone without closing its sockets) are found by keepalive within
# about 5 + 2 * 3 s, which bounds how long a pub/sub reader may wait on a dead link.
_KEEPALIVE: dict[int, int] = {}
for _name, _value in (("TCP_KEEPIDLE", 5), ("TCP_KEEPINTVL", 2), ("TCP_KEEPCNT", 3)):
    if hasattr(socket, _name):
        _KEEPALIVE[getattr(socket, _name)] = _value


@dataclass(frozen=True)
class RedisTarget:
    """Where Redis is. With ``sentinels`` the host and port of ``url`` are ignored: the
    Sentinels name the master of ``sentinel_master``; the URL still gives the database,
    user and password of the data nodes."""

    url: str = "redis://127.0.0.1:6379/0"
    sentinels: tuple[tuple[str, int], ...] = ()
    sentinel_master: str = ""
    sentinel_password: str = ""  # of the Sentinels themselves (their requirepass)
    timeout_s: float = 2.0
    # The store's escalation writes wait (WAIT, in the same round trip) until this many
    # replicas have them, for at most wait_timeout_ms; 0: no waiting (docs/architecture.md).
    wait_replicas: int = 0
    wait_timeout_ms: int = 200

    @property
    def uses_sentinel(self) -> bool:
        return bool(self.sentinels)

    def describe(self) -> str:
        """For logs: never the password."""
        if self.uses_sentinel:
            hosts = ",".join(f"{h}:{p}" for h, p in self.sentinels)
            return f"sentinel master {self.sentinel_master!r} via {hosts}"
        parsed = urlparse(self.url)
        return f"{parsed.hostname}:{parsed.port or 6379}"


def parse_sentinels(entries: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """``("host:port", ...)`` as pairs; a missing port is Sentinel's 26379."""
    pairs: list[tuple[str, int]] = []
    for entry in entries:
        host, sep, port = entry.strip().rpartition(":")
        if not sep:
            host, port = port, "26379"
        if not host or not port.isdigit():
            raise ValueError(f"COVIEW_REDIS_SENTINELS: {entry!r} is not host:port")
        pairs.append((host.strip("[]"), int(port)))
    return tuple(pairs)


class BoundedPool(aioredis.ConnectionPool):
    """At most ``max_connections`` in use; a checkout waits for a free one, at most
    ``timeout`` seconds (the plain pool fails with "Too many connections" under a
    burst). The library's ``BlockingConnectionPool`` does the same behind a condition,
    a lock and five awaited metrics calls per command (its observability hooks): a
    sixth of the Redis client's CPU on a busy node. Checkout and release here touch the
    pool's lists without awaiting between the reads and the writes, so on one event
    loop they need no lock; the connection's health check is the library's. Its
    connections, of whatever class the URL or Sentinel asks for, send with
    ``BoundedSend``."""

    def __init__(self, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connection_class = with_bounded_send(self.connection_class)
        self._checkout_timeout = timeout
        self._slots = asyncio.Semaphore(self.max_connections)

    async def get_connection(self, *_: Any, **__: Any) -> Any:
        if self._slots.locked():
            try:
                async with asyncio.timeout(self._checkout_timeout):
                    await self._slots.acquire()
            except TimeoutError as err:
                raise RedisConnectionError("No connection available.") from err
        else:  # a free slot is taken at once: no timer to arm and cancel per command
            await self._slots.acquire()
        try:
            connection = self.get_available_connection()  # type: ignore[no-untyped-call]
        except BaseException:
            self._slots.release()
            raise
        try:
            await self.ensure_connection(connection)
        except BaseException:
            await self.release(connection)
            raise
        return connection

    async def release(self, connection: Any) -> None:
        if connection not in self._in_use_connections:
            return  # released already (a reset in between, or a double release)
        self._in_use_connections.remove(connection)
        self._available_connections.append(connection)  # even if the disconnect fails
        self._slots.release()
        if connection.should_reconnect():
            try:
                await connection.disconnect()
            except BaseException:
                connection._force_disconnect()  # not known closed: reuse reconnects
                raise

    def reset(self) -> None:
        super().reset()  # type: ignore[no-untyped-call]
        if hasattr(self, "_slots"):  # the base class's __init__ resets before ours
            self._slots = asyncio.Semaphore(self.max_connections)


class BoundedSentinelPool(SentinelConnectionPool, BoundedPool):
    """Sentinel's master discovery with ``BoundedPool``'s bounded wait."""


class BoundedSend:
    """A connection mixin: the send of a command is bounded by ``socket_timeout`` through
    ``asyncio.timeout`` (one timer) instead of the library's ``asyncio.wait_for`` (a
    timer, a task and an extra turn of the event loop per command). Same bound, same
    error: the connection is dropped and ``redis.TimeoutError`` goes up."""

    socket_timeout: float | None

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        timeout = self.socket_timeout
        if not timeout:
            await super().send_packed_command(command, check_health)  # type: ignore[misc]
            return
        self.socket_timeout = None  # the library sends without wait_for when unset
        try:
            async with asyncio.timeout(timeout):
                await super().send_packed_command(command, check_health)  # type: ignore[misc]
        except TimeoutError:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise RedisTimeoutError("Timeout writing to socket") from None
        finally:
            self.socket_timeout = timeout


_BOUNDED_SEND: dict[type, type] = {}


def with_bounded_send(connection_class: type) -> type:
    """``connection_class`` (plain, TLS, Unix socket or Sentinel-managed) with ``BoundedSend``."""
    if issubclass(connection_class, BoundedSend):
        return connection_class
    if connection_class not in _BOUNDED_SEND:
        name = f"BoundedSend{connection_class.__name__}"
        _BOUNDED_SEND[connection_class] = type(name, (BoundedSend, connection_class), {})
    return _BOUNDED_SEND[connection_class]


def _url_options(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    options: dict[str, Any] = {}
    path = parsed.path.strip("/")
    if path.isdigit():
        options["db"] = int(path)
    if parsed.username:
        options["username"] = unquote(parsed.username)
    if parsed.password:
        options["password"] = unquote(parsed.password)
    return options


def client_bounds(target: RedisTarget) -> dict[str, Any]:
    return {
        # Pub/sub readers poll with an explicit, shorter timeout, which returns nothing
        # instead of raising, so this bound holds for every connection.
        "socket_timeout": target.timeout_s,
        "socket_connect_timeout": target.timeout_s,
        "socket_keepalive": True,
        "socket_keepalive_options": _KEEPALIVE,
        # Once, at once, and only for a broken connection: a timed-out command may have
        # run, and running a write twice is worse than a 503.
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
    }


def connection_pool(
    target: RedisTarget,
    *,
    decode_responses: bool,
    max_connections: int = MAX_CONNECTIONS,
) -> aioredis.ConnectionPool:
    """A bounded pool that waits (at most ``timeout_s``) for a free connection."""
    options = {**client_bounds(target), "decode_responses": decode_responses}
    if not target.uses_sentinel:
        return BoundedPool.from_url(
            target.url, max_connections=max_connections, timeout=target.timeout_s, **options
        )
    sentinel_options: dict[str, Any] = {
        "socket_timeout": target.timeout_s,
        "socket_connect_timeout": target.timeout_s,
    }
    if target.sentinel_password:
        sentinel_options["password"] = target.sentinel_password
    manager = Sentinel(target.sentinels, sentinel_kwargs=sentinel_options)
    pool: aioredis.ConnectionPool = BoundedSentinelPool(  # type: ignore[no-untyped-call]
        target.sentinel_master,
        manager,
        max_connections=max_connections,
        timeout=target.timeout_s,
        **_url_options(target.url),
        **options,
    )
    return pool


def redis_client(target: RedisTarget, *, decode_responses: bool) -> aioredis.Redis:
    """A client on its own pool (closed with it: ``close_client``)."""
    return aioredis.Redis.from_pool(connection_pool(target, decode_responses=decode_responses))


async def close_client(client: aioredis.Redis) -> None:
    """Closes the client, its pool and, with Sentinel, the clients of the Sentinels."""
    pool = client.connection_pool
    await client.aclose()
    if isinstance(pool, BoundedSentinelPool):
        await pool.sentinel_manager.aclose()
