"""Who could take a request right now, and how long the queue is: the live inputs of
the availability check and the wait estimate."""

from __future__ import annotations

from dataclasses import dataclass, field

from store.base import Store

UNIT_MODALITIES = {"chat": ("chat",), "video": ("video", "screen"), "cobrowse": ("cobrowse",)}


@dataclass(frozen=True)
class Staffing:
    modalities: set[str] = field(default_factory=set)  # some present agent can take these
    agents: int = 0  # present agents speaking the language
    free_agents: int = 0  # of which hold nothing now
    queued: int = 0  # escalations waiting for an agent
    recent_handle_s: float | None = None  # mean handle time of recent completions


async def staffing_now(store: Store, tenant_id: str, language: str | None) -> Staffing:
    agents = [
        a
        for a in await store.list_agents(tenant_id)
        if a.presence == "available" and (language is None or language in a.languages)
    ]
    modalities: set[str] = set()
    for agent in agents:
        for unit, names in UNIT_MODALITIES.items():
            if agent.capacity.get(unit, 0) > 0:
                modalities.update(names)
    return Staffing(modalities, len(agents), len(agents), 0, None)
