"""In-process observers of what the escalation core changed.

Every node publishes the events it appends, right after the atomic write, to its own
observers: the /agent feed (signaling), live SSE streams, webhooks and metrics.
Subscribe with ``app[ESCALATION_EVENTS].subscribe(observer)``. Agents whose presence,
load or open offers changed are published the same way on ``app[AGENT_CHANGES]``. The
core knows no transport: it publishes here, and signaling turns it into socket frames.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

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


AgentObserver = Callable[[Collection[str]], Awaitable[None]]


class AgentChanges:
    """Agents (ids) whose presence, load or open offers just changed on this node."""

    def __init__(self) -> None:
        self._observers: list[AgentObserver] = []

    def subscribe(self, observer: AgentObserver) -> None:
        self._observers.append(observer)

    async def publish(self, agent_ids: Collection[str]) -> None:
        if not agent_ids:
            return
        for observer in self._observers:
            try:
                await observer(agent_ids)
            except Exception:
                log.exception("agent observer %r failed", observer)


AgentNoticeObserver = Callable[[str, str, dict[str, Any]], Awaitable[None]]


class AgentNotices:
    """Messages for one agent's console (``agent_id``, event, payload), e.g. an expert
    offer; signaling delivers them on ``/agent``. The domain never calls Socket.IO."""

    def __init__(self) -> None:
        self._observers: list[AgentNoticeObserver] = []

    def subscribe(self, observer: AgentNoticeObserver) -> None:
        self._observers.append(observer)

    async def publish(self, agent_id: str, event: str, payload: dict[str, Any]) -> None:
        for observer in self._observers:
            try:
                await observer(agent_id, event, payload)
            except Exception:
                log.exception("agent notice observer %r failed", observer)
