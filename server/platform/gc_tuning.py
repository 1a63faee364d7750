"""Keep the cyclic garbage collector off the relay's tail latency.

A full (generation 2) collection walks every tracked object, and after start-up most
of them are modules, classes and pydantic/aiortc/av machinery that live as long as the
process. Measured under co-browse load, such a collection paused the event loop for up
to 128 ms, which is the p99 of every batch relayed at that moment. Freezing the
start-up heap moves those objects out of the collector's view (CPython's ``gc.freeze``,
meant for exactly this), so later full collections walk only what the server allocated
since.

Young collections are the other cost: a request allocates thousands of short-lived
objects, so at the default threshold (700) the collector ran a young pass every few
hundred microseconds of work, ~3 % of a busy node's CPU under ``bench/escalation.py``
(perf). A threshold of 10,000 runs it a fourteenth as often; each pass finds about
the same survivors, since refcounting already freed the rest.
"""

from __future__ import annotations

import gc

from aiohttp import web

YOUNG_THRESHOLD = 10_000


async def freeze_startup_heap(_: web.Application) -> None:
    """An ``on_startup`` hook for a serving process (not for tests, which build many
    apps in one process: frozen garbage is never reclaimed)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
