"""Who may take an escalation, and in which order agents are asked.

Pure functions plus a short-lived per-node cache of the organisation's agents (their
presence, skills and languages), so routing does not re-read every agent per request.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from store.escalation_models import AgentLoad, Escalation
from store.models import DEFAULT_CAPACITY, Agent


def capacity_of(agent: Agent) -> dict[str, int]:
    """Per-unit capacity; units the agent does not list keep the defaults."""
    return {**DEFAULT_CAPACITY, **agent.capacity}


def can_take(agent: Agent, esc: Escalation, load: AgentLoad) -> bool:
    """Available, speaks the language, has the skills (unless relaxed), never declined
    it, and has room in every unit the escalation occupies."""
    if agent.presence != "available" or agent.tenant_id != esc.tenant_id:
        return False
    if esc.language and esc.language not in agent.languages:
        return False
    if not esc.skills_relaxed and not set(esc.skills) <= set(agent.skills):
        return False
    if agent.id in esc.declined_by:
        return False
    return load.fits(esc.units, capacity_of(agent))


def rank_candidates(
    agents: Sequence[Agent], loads: dict[str, AgentLoad], esc: Escalation
) -> list[Agent]:
    """Agents who can take ``esc``, longest idle first: agents holding nothing before
    busy ones, then by how long they have been idle; those who let an offer for this
    escalation expire come last."""

    def load(agent: Agent) -> AgentLoad:
        return loads.get(agent.id) or AgentLoad(agent_id=agent.id)

    def order(agent: Agent) -> tuple[bool, bool, datetime, str]:
        held = load(agent)
        idle: datetime = held.idle_since or agent.presence_changed_at
        return (agent.id in esc.missed_by, held.total > 0, idle, agent.id)

    return sorted((a for a in agents if can_take(a, esc, load(a))), key=order)


class AgentDirectory:
    """The organisation's agents, re-read at most every ``ttl_s`` (and on local presence
    changes), so a presence change on another node is seen within ``ttl_s``."""

    def __init__(self, load: Callable[[str], Awaitable[list[Agent]]], ttl_s: float) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, list[Agent]]] = {}

    async def agents(self, tenant_id: str) -> list[Agent]:
        cached = self._cache.get(tenant_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        agents = await self._load(tenant_id)
        self._cache[tenant_id] = (now, agents)
        return agents

    def invalidate(self, tenant_id: str) -> None:
        self._cache.pop(tenant_id, None)
