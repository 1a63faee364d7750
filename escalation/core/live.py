"""Wake-ups for live SSE streams on this node. Streams also re-read the store every
``sse_poll_s``, so events appended by another node arrive within that time."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from store.escalation_models import Escalation, EscalationEvent


class LiveWaiters:
    def __init__(self) -> None:
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)

    def register(self, escalation_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters[escalation_id].add(event)
        return event

    def unregister(self, escalation_id: str, event: asyncio.Event) -> None:
        waiting = self._waiters.get(escalation_id)
        if waiting is not None:
            waiting.discard(event)
            if not waiting:
                del self._waiters[escalation_id]

    async def observe(self, escalation: Escalation, events: Sequence[EscalationEvent]) -> None:
        for event in self._waiters.get(escalation.id, ()):
            event.set()
