"""Guessing 6-digit join codes, bounded.

A code is one of a million, so a per-address rate limit alone does not stop guessing
spread over many addresses. Failed code attempts are therefore counted twice, in the
shared rate-limit storage (Redis when there are several nodes, so the counts are the
deployment's, not a node's):

- per client address (``join_code_client_failures``): past it, that address may not try
  codes any more for the window;
- in one global budget (``join_code_failure_budget``): past it, codes are paused for
  everyone until the window has room again, and the join form asks for the full link
  (links carry 192 random bits and stay open).

The budget bounds the guesses that can fall inside one code's life (``invite_ttl_s``):
with 30 per 10 minutes and 15-minute codes, at most 45 guesses out of a million.
A code stays single-use. Each failure is logged and counted for ``/api/metrics``.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server.platform.client_ip import client_ip
from server.platform.errors import RateLimited
from server.platform.keys import CONFIG, RATE_LIMITER

log = logging.getLogger("coview.join")

SCOPE_GLOBAL = "join-code-failures"
SCOPE_CLIENT = "join-code-client-failures"
EVERYONE = "all"


class CodesPaused(RateLimited):
    code = "codes-paused"
    title = "Join codes are paused"


async def check_code_allowed(request: web.Request) -> None:
    """Before a code is looked up: 429 if this address or everyone is out of tries."""
    config, limiter = request.app[CONFIG], request.app[RATE_LIMITER]
    client = client_ip(request)
    rate = config.join_code_client_failures
    if await limiter.exhausted(rate, SCOPE_CLIENT, client):
        retry = await limiter.retry_after(rate, SCOPE_CLIENT, client)
        raise RateLimited(
            f"too many wrong codes from this address; retry in {retry} s or use the full link",
            headers={"Retry-After": str(retry)},
        )
    budget = config.join_code_failure_budget
    if await limiter.exhausted(budget, SCOPE_GLOBAL, EVERYONE):
        retry = await limiter.retry_after(budget, SCOPE_GLOBAL, EVERYONE)
        raise CodesPaused(
            f"too many wrong codes overall; codes are paused for {retry} s, "
            "open the full link from your invitation instead",
            headers={"Retry-After": str(retry)},
        )


async def record_code_failure(request: web.Request) -> None:
    config, limiter = request.app[CONFIG], request.app[RATE_LIMITER]
    client = client_ip(request)
    await limiter.count(config.join_code_client_failures, SCOPE_CLIENT, client)
    await limiter.count(config.join_code_failure_budget, SCOPE_GLOBAL, EVERYONE)
    used = await limiter.used(config.join_code_failure_budget, SCOPE_GLOBAL, EVERYONE)
    log.warning(
        "wrong join code from %s (%d in the window; budget %s)",
        client,
        used,
        config.join_code_failure_budget,
    )


async def code_failure_metrics(app: web.Application) -> dict[str, Any]:
    """The deployment's failed code attempts in the budget's window, for /api/metrics."""
    budget = app[CONFIG].join_code_failure_budget
    limiter = app[RATE_LIMITER]
    return {
        "failed": await limiter.used(budget, SCOPE_GLOBAL, EVERYONE),
        "budget": budget,
        "paused": await limiter.exhausted(budget, SCOPE_GLOBAL, EVERYONE),
    }
