"""The errors that mean "the store's backend cannot answer right now" (Redis stopped,
restarting, failing over, or too slow), as opposed to a bug: callers turn these into a
retryable answer (HTTP 503 with ``Retry-After``, an ``unavailable`` ack, WebSocket close
1013) instead of a 500."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MasterDownError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

# ConnectionError covers refused and reset connections, BusyLoadingError (a restarted
# Redis still loading its AOF), Sentinel's MasterNotFoundError and an exhausted pool.
# ReadOnlyError: a write reached a master just demoted to replica.
STORE_OUTAGES: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    MasterDownError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, STORE_OUTAGES)
