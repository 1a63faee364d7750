"""What a due deadline does to its escalation: an unanswered offer goes to the next
agent, required skills are relaxed, a request nobody took expires. The deadline worker
(``escalation/core/deadlines.py``) claims deadlines and calls ``on_deadline``."""

from __future__ import annotations

from datetime import datetime, timedelta

from escalation.core.change import TIMER, expire_offer, expire_queue, relax_skills
from escalation.core.router import Router
from escalation.core.writer import EscalationWriter
from store.escalation_models import ClaimedDeadline, Deadline, Escalation
from store.models import utcnow


class Timeouts:
    def __init__(self, writer: EscalationWriter, router: Router) -> None:
        self.writer = writer
        self.router = router

    async def on_deadline(self, claim: ClaimedDeadline, now: datetime | None = None) -> None:
        """Act on a due deadline this node has claimed; stale ones are just dropped."""
        at = now or utcnow()
        store = self.writer.store
        esc = await store.get_escalation(claim.escalation_id)
        done: Escalation | None = None
        if esc is not None and claim.kind == "offer":
            done = await self.writer.mutate(esc.id, TIMER, lambda e: expire_offer(e, at))
            if done is not None:
                await self.router.route(esc.id)
                return
        elif esc is not None and claim.kind == "relax":
            done = await self.writer.mutate(esc.id, TIMER, relax_skills)
            if done is not None:
                await self.router.route(esc.id)
                return
        elif esc is not None and claim.kind == "queue":
            if esc.state == "offered" and esc.offer_expires_at is not None:
                # let the offer play out; look again just after it expires
                due = esc.offer_expires_at + timedelta(milliseconds=50)
                await store.put_deadline(Deadline(escalation_id=esc.id, kind="queue", due=due))
                return
            done = await self.writer.mutate(esc.id, TIMER, expire_queue)
            if done is not None:
                await self.writer.end_session(done)
                return
        await store.drop_deadline(claim.escalation_id, claim.kind, claim.token)
