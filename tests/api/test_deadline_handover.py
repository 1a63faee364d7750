"""A node shutting down hands the deadlines it claimed and has not finished back to the
store, due at once, instead of leaving them leased to a node that is going away."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from escalation.core.deadlines import process_due
from server.platform.keys import DEADLINE_HANDLERS, STORE
from store.escalation_models import ClaimedDeadline, Deadline
from store.models import utcnow
from tests.support.escalations import escalation_server


async def test_cancelled_worker_puts_unfinished_claims_back_due_now(tmp_path: Path) -> None:
    async with escalation_server(tmp_path, deadline_lease_s=60.0, deadline_poll_s=3600.0) as server:
        app, store = server.app, server.app[STORE]
        started, handled = asyncio.Event(), []

        async def stuck(claim: ClaimedDeadline) -> None:  # the node stops in the middle
            handled.append(claim.escalation_id)
            started.set()
            await asyncio.Event().wait()

        app[DEADLINE_HANDLERS]["reconnect"] = stuck
        due = utcnow() - timedelta(seconds=1)
        for n in range(3):
            await store.put_deadline(Deadline(escalation_id=f"s_{n}/p", kind="reconnect", due=due))
        worker = asyncio.create_task(process_due(app))
        await started.wait()
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)

        # Claimable again at once (with the lease of 60 s they would not be).
        again = await store.claim_deadlines(utcnow(), 60.0)
        assert sorted(c.escalation_id for c in again) == ["s_0/p", "s_1/p", "s_2/p"]
        assert len(handled) == 1
