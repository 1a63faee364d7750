"""The errors that mean "the store's backend cannot answer right now" (Redis stopped,
restarting, failing over, or too slow), as opposed to a bug: callers turn these into a
retryable answer (HTTP 503 with ``Retry-After``, an ``unavailable`` ack, WebSocket close
1013) instead of a 500."""

from __future__ import annotations

import logging

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


class OutageLog:
    """A background loop's failures: a store outage is logged once when it starts and
    once when it ends (not with a traceback on every pass while Redis is away); any
    other error with its traceback, every time."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self.down = False

    def failed(self, exc: BaseException) -> None:
        if not is_outage(exc):
            self._log.error("%s failed; retrying", self._what, exc_info=exc)
        elif not self.down:
            self.down = True
            self._log.warning("%s: store unreachable (%r); retrying", self._what, exc)

    def passed(self) -> None:
        if self.down:
            self.down = False
            self._log.info("%s: store reachable again", self._what)
