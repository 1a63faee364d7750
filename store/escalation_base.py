"""The escalation part of the Store protocol."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from store.escalation_models import (
    AgentLoad,
    ClaimedDeadline,
    Deadline,
    DeadlineKind,
    Escalation,
    EscalationEvent,
    EscalationWrite,
    IdempotencyRecord,
    State,
    WriteResult,
)


class EscalationStore(Protocol):
    async def write_escalation(self, write: EscalationWrite) -> WriteResult:
        """The one atomic step behind every change: ``conflict`` when the stored seq is
        not ``write.expected_seq`` (nothing changes), ``full`` when an occupying load
        change would exceed an agent's capacity (nothing changes), else ``ok``."""
        ...

    async def get_escalation(self, escalation_id: str) -> Escalation | None: ...
    async def list_events(
        self, escalation_id: str, after_seq: int = 0, limit: int = 1000
    ) -> list[EscalationEvent]:
        """Events with seq > after_seq, in order."""
        ...

    async def list_escalations(
        self,
        tenant_id: str,
        *,
        states: Sequence[State] | None = None,
        customer_id: str | None = None,
        limit: int = 100,
    ) -> list[Escalation]:
        """Newest first; filtered by state and/or customer id."""
        ...

    async def queued_escalations(self, tenant_id: str, limit: int = 100) -> list[Escalation]:
        """Queued escalations in routing order: priority desc, then longest waiting."""
        ...

    async def count_by_state(self, tenant_id: str, states: Sequence[State]) -> dict[str, int]: ...
    async def oldest_queued_at(self, tenant_id: str) -> datetime | None:
        """When the longest-waiting queued escalation entered the queue (None: empty)."""
        ...

    # agent routing state
    async def get_agent_loads(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        """Every requested agent's load (an agent never seen is empty and idle since None)."""
        ...

    async def mark_agent_idle(self, agent_id: str, at: datetime) -> None:
        """Start the idle clock when the agent holds nothing (e.g. becomes available)."""
        ...

    def watch_agent_loads(self, listener: Callable[[str, AgentLoad], None]) -> None:
        """Call ``listener(agent_id, load)`` with loads as other nodes' writes leave
        them, when the store can tell (best effort, in commit order; a node's own
        writes may come back too). A store only one node uses never calls it."""
        ...

    # deadlines any node may process
    async def put_deadline(self, deadline: Deadline) -> None: ...
    async def claim_deadlines(
        self, now: datetime, lease_s: float, limit: int = 100
    ) -> list[ClaimedDeadline]:
        """Due deadlines, each leased to exactly one caller for ``lease_s`` (a caller that
        dies lets the lease run out and another node claims it again)."""
        ...

    async def drop_deadline(self, escalation_id: str, kind: DeadlineKind, token: str) -> None:
        """Remove a claimed deadline unless it was set anew since the claim."""
        ...

    async def clear_deadline(self, escalation_id: str, kind: DeadlineKind) -> bool:
        """Remove a deadline, claimed or not; whether there was one."""
        ...

    async def get_deadlines(self, escalation_id: str) -> dict[str, datetime]: ...

    # idempotency keys
    async def begin_idempotent(
        self, key: str, body_hash: str, ttl_s: float
    ) -> IdempotencyRecord | None:
        """Reserve ``key`` (None) or return the existing record (in flight or done)."""
        ...

    async def finish_idempotent(
        self, key: str, status: int, response: str, ttl_s: float
    ) -> None: ...

    async def release_idempotent(self, key: str) -> None: ...
