"""Who could take a request right now, and how long the queue is: the live inputs of
the availability check and the wait estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean

from store.base import Store
from store.escalation_models import Escalation, load_units

UNIT_MODALITIES = {"chat": ("chat",), "video": ("video", "screen"), "cobrowse": ("cobrowse",)}
RECENT_COMPLETIONS = 50  # handle times averaged for the wait estimate


@dataclass(frozen=True)
class Staffing:
    modalities: set[str] = field(default_factory=set)  # some present agent can take these
    agents: int = 0  # present agents speaking the language
    free_agents: int = 0  # of which have room for the request now
    queued: int = 0  # escalations waiting for an agent
    recent_handle_s: float | None = None  # mean handle time of recent completions


def handle_time_s(escalation: Escalation) -> float | None:
    """From acceptance to the end of the session (wrap-up, or completion without one)."""
    ts = escalation.timestamps
    start = ts.get("accepted")
    end = ts.get("wrap_up") or ts.get("completed")
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


async def staffing_now(
    store: Store, tenant_id: str, language: str | None, modalities: tuple[str, ...] = ()
) -> Staffing:
    agents = [
        a
        for a in await store.list_agents(tenant_id)
        if a.presence == "available" and (language is None or language in a.languages)
    ]
    loads = await store.get_agent_loads([a.id for a in agents])
    wanted = load_units(modalities)
    staffed: set[str] = set()
    free = 0
    for agent in agents:
        for unit, names in UNIT_MODALITIES.items():
            if agent.capacity.get(unit, 0) > 0:
                staffed.update(names)
        load = loads.get(agent.id)
        if load is None or load.fits(wanted, agent.capacity):
            free += 1
    counts = await store.count_by_state(tenant_id, ["queued", "offered"])
    done = await store.list_escalations(tenant_id, states=["completed"], limit=RECENT_COMPLETIONS)
    times = [t for t in map(handle_time_s, done) if t is not None]
    return Staffing(
        staffed, len(agents), free, sum(counts.values()), fmean(times) if times else None
    )
