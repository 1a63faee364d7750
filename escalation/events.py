"""In-process observers of appended escalation events.

Every node publishes the events it appends, right after the atomic write, to its own
observers: the /agent feed, live SSE streams, and (issue 4's other half) webhooks and
metrics. Subscribe with ``app[ESCALATION_EVENTS].subscribe(observer)``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from store.escalation_models import Escalation, EscalationEvent

log = logging.getLogger("coview.escalation.events")

EscalationObserver = Callable[[Escalation, Sequence[EscalationEvent]], Awaitable[None]]


class EscalationEvents:
    def __init__(self) -> None:
        self._observers: list[EscalationObserver] = []

    def subscribe(self, observer: EscalationObserver) -> None:
        self._observers.append(observer)

    async def publish(self, escalation: Escalation, events: Sequence[EscalationEvent]) -> None:
        """Call every observer in order; one that fails is logged and skipped."""
        for observer in self._observers:
            try:
                await observer(escalation, events)
            except Exception:
                log.exception("escalation observer %r failed", observer)
