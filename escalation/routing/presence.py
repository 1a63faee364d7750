"""What an agent's console shows of itself and of the queue: presence with load and
open offers, and the queue summary. Read by the ``/agent`` feed (signaling) and the
queue endpoint."""

from __future__ import annotations

from typing import Any

from escalation.routing.policy import capacity_of
from store.base import Store
from store.escalation_models import LOAD_UNITS, AgentLoad, Escalation
from store.models import Agent, utcnow


def presence_view(agent: Agent, load: AgentLoad) -> dict[str, Any]:
    """``busy`` is derived: available but full in a unit it holds. An offer waiting for
    the agent's answer reserves its units (``load``) but is not work yet: it counts in
    ``offers``, not towards ``full`` (the units held to capacity) nor ``busy``."""
    capacity = capacity_of(agent)
    held = {u: n - load.offered.get(u, 0) for u, n in load.load.items()}
    full = [u for u in LOAD_UNITS if held.get(u, 0) > 0 and held[u] >= capacity.get(u, 0)]
    busy = agent.presence == "available" and bool(full)
    return {
        "status": "busy" if busy else agent.presence,
        "presence": agent.presence,
        "busy": busy,
        "full": full,
        "offers": load.offers,
        "load": load.load,
        "capacity": capacity,
    }


async def open_offers(store: Store, agent: Agent, load: AgentLoad) -> list[Escalation]:
    """The escalations offered to ``agent`` now (a console that connects is shown
    them); no query when its load counts none."""
    if not load.offers:
        return []
    offered = await store.list_escalations(agent.tenant_id, states=["offered"], limit=500)
    return [esc for esc in offered if esc.offered_to == agent.id]


async def queue_summary(store: Store, tenant_id: str) -> dict[str, Any]:
    """``counts`` of queued and offered escalations and the longest wait (seconds)."""
    counts = await store.count_by_state(tenant_id, ["queued", "offered"])
    oldest = await store.oldest_queued_at(tenant_id)  # reading the queue cost a parse each
    longest = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
    return {"counts": counts, "longest_wait_s": round(longest, 1)}
