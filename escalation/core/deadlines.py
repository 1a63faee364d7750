"""The deadline worker every node runs: claim due deadlines in the store (each goes
to exactly one node, and comes back if that node dies before finishing) and act."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from escalation.core.service import ESCALATIONS
from server.platform.keys import CONFIG, DEADLINE_HANDLERS, STORE
from store.escalation_models import ClaimedDeadline, Deadline
from store.models import utcnow
from store.outage import OutageLog, cancel_and_wait

log = logging.getLogger("coview.escalation.deadlines")

BATCH = 50


async def process_due(app: web.Application) -> int:
    """Handle the deadlines due now; the number claimed."""
    config = app[CONFIG]
    store = app[STORE]
    claims = await store.claim_deadlines(utcnow(), config.deadline_lease_s, BATCH)
    for done, claim in enumerate(claims):
        try:
            if (handler := app[DEADLINE_HANDLERS].get(claim.kind)) is not None:
                await handler(claim)  # another package's kind (the chat's, signaling's)
            else:
                await app[ESCALATIONS].on_deadline(claim)
        except asyncio.CancelledError:
            # Shutting down: hand the claims not finished back, due now, so another
            # node acts on them at once instead of after the lease (a stale one is
            # dropped by whoever claims it).
            await release(app, claims[done:])
            raise
        except Exception:
            log.exception("deadline %s of %s failed", claim.kind, claim.escalation_id)
    return len(claims)


async def release(app: web.Application, claims: Sequence[ClaimedDeadline]) -> None:
    now = utcnow()
    for claim in claims:
        with contextlib.suppress(Exception):
            await app[STORE].put_deadline(
                Deadline(escalation_id=claim.escalation_id, kind=claim.kind, due=now)
            )


async def _loop(app: web.Application) -> None:
    poll = app[CONFIG].deadline_poll_s
    failures = OutageLog(log, "deadline worker")
    while True:
        try:
            claimed = await process_due(app)
            failures.passed()
        except Exception as exc:
            failures.failed(exc)
            claimed = 0
        if claimed < BATCH:
            await asyncio.sleep(poll)


async def deadline_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_loop(app))
    yield
    await cancel_and_wait(task)
