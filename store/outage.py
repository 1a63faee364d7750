"""The errors that mean "the store's backend cannot answer right now" (Redis stopped,
restarting, failing over, or too slow), as opposed to a bug: callers turn these into a
retryable answer (HTTP 503 with ``Retry-After``, an ``unavailable`` ack, WebSocket close
1013) instead of a 500."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

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


def raise_if_cancelled(exc: BaseException) -> None:
    """For a loop that catches errors and goes on: if its task is being cancelled, stop.
    A cancel that lands as a Redis reply's timeout expires comes out of Python 3.11's
    ``asyncio.timeout`` as a TimeoutError; caught and retried, the cancel is lost and
    the task that stops the loop waits for ever (seen on shutdown after Redis hung)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc


STOP_BOUND_S = 10.0  # how long a stop waits for a background task before giving up


async def cancel_and_wait(task: asyncio.Task[Any], bound_s: float = STOP_BOUND_S) -> None:
    """Cancels a background task and waits for its end, cancelling again should a cancel
    get lost on the way (see ``raise_if_cancelled``: redis-py can swallow one), for at
    most ``bound_s``: a stop never waits for ever on a task that will not end."""
    deadline = asyncio.get_running_loop().time() + bound_s
    while not task.done():
        if asyncio.get_running_loop().time() > deadline:
            logging.getLogger("coview.shutdown").warning(
                "task %s did not stop within %s s", task.get_name(), bound_s
            )
            return
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    with contextlib.suppress(asyncio.CancelledError):
        await task


class OutageLog:
    """A background loop's failures: a store outage is logged once when it starts and
    once when it ends (not with a traceback on every pass while Redis is away); any
    other error with its traceback, every time."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self.down = False

    def failed(self, exc: BaseException) -> None:
        raise_if_cancelled(exc)
        if not is_outage(exc):
            self._log.error("%s failed; retrying", self._what, exc_info=exc)
        elif not self.down:
            self.down = True
            self._log.warning("%s: store unreachable (%r); retrying", self._what, exc)

    def passed(self) -> None:
        if self.down:
            self.down = False
            self._log.info("%s: store reachable again", self._what)
