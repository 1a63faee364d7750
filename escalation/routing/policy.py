"""Who may take an escalation, and in which order agents are asked.

Pure functions plus a short-lived per-node cache of the organisation's agents (their
presence, skills and languages), so routing does not re-read every agent per request.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime

from store.escalation_models import AgentLoad, Escalation, LoadChange
from store.models import DEFAULT_CAPACITY, Agent


def capacity_of(agent: Agent) -> dict[str, int]:
    """Per-unit capacity; units the agent does not list keep the defaults."""
    return {**DEFAULT_CAPACITY, **agent.capacity}


class Requirements:
    """What ``esc`` asks of an agent, worked out once per routing decision rather than
    once per candidate (routing looks at every available agent)."""

    __slots__ = ("declined", "language", "skills", "tenant_id", "units")

    def __init__(self, esc: Escalation) -> None:
        self.tenant_id = esc.tenant_id
        self.language = esc.language
        self.skills = frozenset() if esc.skills_relaxed else frozenset(esc.skills)
        self.declined = frozenset(esc.declined_by)
        self.units = esc.units

    def met_by(self, agent: Agent, load: AgentLoad) -> bool:
        if agent.presence != "available" or agent.tenant_id != self.tenant_id:
            return False
        if self.language and self.language not in agent.languages:
            return False
        if self.skills and not self.skills.issubset(agent.skills):
            return False
        if agent.id in self.declined:
            return False
        return all(has_room(agent, load, u) for u in self.units)


def has_room(agent: Agent, load: AgentLoad, unit: str) -> bool:
    """Whether ``agent`` can take one more in ``unit`` (capacity defaults apply)."""
    return load.load.get(unit, 0) < agent.capacity.get(unit, DEFAULT_CAPACITY.get(unit, 0))


def can_take(agent: Agent, esc: Escalation, load: AgentLoad) -> bool:
    """Available, speaks the language, has the skills (unless relaxed), never declined
    it, and has room in every unit the escalation occupies."""
    return Requirements(esc).met_by(agent, load)


def rank_key(agent: Agent, load: AgentLoad | None) -> tuple[bool, float, str]:
    """Where ``agent`` stands, smallest first: agents holding nothing before busy ones,
    then longest idle first (timestamps, not datetimes: comparing aware datetimes
    dominated sorting 200 agents), then by id."""
    idle = (load.idle_since if load else None) or agent.presence_changed_at
    return bool(load and load.load), idle.timestamp(), agent.id


def preference_order(
    agents: Sequence[Agent], loads: dict[str, AgentLoad], esc: Escalation
) -> list[Agent]:
    """Every agent, in the order routing asks them (``rank_key``); those who let an
    offer for this escalation expire come last. Whether each can take it is checked
    lazily, by whoever walks the list. ``escalation.routing.ranking`` keeps this order live."""
    missed = frozenset(esc.missed_by)
    keyed = [
        (agent.id in missed, *rank_key(agent, loads.get(agent.id)), index)
        for index, agent in enumerate(agents)
    ]
    keyed.sort()
    return [agents[k[-1]] for k in keyed]


def rank_candidates(
    agents: Sequence[Agent], loads: dict[str, AgentLoad], esc: Escalation
) -> list[Agent]:
    """The agents who can take ``esc``, in preference order."""
    needs = Requirements(esc)
    return [
        a
        for a in preference_order(agents, loads, esc)
        if needs.met_by(a, loads.get(a.id) or AgentLoad(a.id))
    ]


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


def _moved(counts: dict[str, int], units: Iterable[str], delta: int) -> dict[str, int]:
    """``counts`` with each of ``units`` moved by ``delta``, never below zero, zeros
    left out (the stores' arithmetic for loads and for the units offers reserve)."""
    if not delta:
        return counts
    moved = dict(counts)
    for unit in units:
        moved[unit] = max(0, moved.get(unit, 0) + delta)
    return {u: n for u, n in moved.items() if n}


READ_ATTEMPTS = 3  # reads of agents that change while they are read


class LoadView:
    """This node's view of agents' loads for ranking, re-read at most every ``ttl_s``
    and kept current between reads with the node's own committed load changes.

    Routing ranks every available agent, and reading all their loads per decision was
    a fifth of a busy node's CPU. The view only orders candidates: the store's atomic
    write still checks capacity (``full`` sends routing to the next agent and drops the
    agent from the view), so a change made by another node can only make the
    longest-idle order up to ``ttl_s`` stale, never overfill an agent. On a single
    node every change is local and the view is exact."""

    def __init__(
        self, read: Callable[[Sequence[str]], Awaitable[dict[str, AgentLoad]]], ttl_s: float
    ) -> None:
        self._read = read
        self._ttl_s = ttl_s
        self._loads: dict[str, AgentLoad] = {}
        self._read_at = 0.0
        # Bumped whenever loads are dropped (re-read due, or forgotten): whoever keeps
        # something derived from them (``escalation.routing.ranking``) must rebuild it.
        self.generation = 0
        # Called with each committed change, (agent_id, new load).
        self.listeners: list[Callable[[str, AgentLoad], None]] = []
        # Per agent not in the view, how often it changed (or was forgotten) since: a
        # read that was under way meanwhile may hold the load from before, so ``of``
        # does not keep it (it would offer an agent this node has just filled).
        self._touched: dict[str, int] = {}

    def expire_if_due(self) -> None:
        if time.monotonic() - self._read_at >= self._ttl_s:
            self._loads.clear()
            self._read_at = time.monotonic()
            self.generation += 1

    async def of(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        self.expire_if_due()
        loads = self._loads
        for _ in range(READ_ATTEMPTS):
            missing = [a for a in agent_ids if a not in loads]
            if not missing:
                break
            touched = self._touched
            before = [touched.get(a, 0) for a in missing]
            read = await self._read(missing)
            for agent_id, count in zip(missing, before, strict=True):
                load = read.get(agent_id)
                if load is None or touched.get(agent_id, 0) != count:
                    continue  # changed while read: the next ``of`` reads it again
                held = loads.get(agent_id)  # a concurrent read may have a newer one
                if held is None or load.version > held.version:
                    loads[agent_id] = load
        # An agent still missing changed on every read: the ranking leaves them out
        # until the view next holds them (unknown is not "has room").
        return self.current(agent_ids)

    def _touch(self, agent_id: str) -> None:
        self._touched[agent_id] = self._touched.get(agent_id, 0) + 1

    def current(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        """What the view holds for ``agent_ids`` now, without reading."""
        loads = self._loads
        return {a: loads[a] for a in agent_ids if a in loads}

    def applied(self, changes: Sequence[LoadChange], now: datetime) -> None:
        """Mirror a committed write's load changes (the store's own arithmetic)."""
        counted: set[str] = set()  # a write moves an agent's version on once
        for change in changes:
            held = self._loads.get(change.agent_id)
            if held is None:
                self._touch(change.agent_id)
                continue
            load = _moved(held.load, change.units, change.delta)
            idle = (held.idle_since or now) if not load else None
            version = held.version + (change.agent_id not in counted)
            counted.add(change.agent_id)
            offers = max(0, held.offers + change.offer)
            offered = _moved(held.offered, change.units, change.offer)
            updated = AgentLoad(change.agent_id, load, idle, version, offers, offered)
            self._loads[change.agent_id] = updated
            for listener in self.listeners:
                listener(change.agent_id, updated)

    def seen(self, agent_id: str, load: AgentLoad) -> None:
        """A load as a committed write left it (the store's ``watch_agent_loads``):
        the view follows other nodes' changes instead of offering an agent one of them
        has just filled. Announcements arrive late and interleaved with this node's
        own writes, so one no newer than what the view holds (``version``) is ignored:
        an older one would undo a change the view already has."""
        held = self._loads.get(agent_id)
        if held is None:
            self._touch(agent_id)
        elif load.version > held.version:
            self._loads[agent_id] = load
            for listener in self.listeners:
                listener(agent_id, load)

    def forget(self, agent_ids: Iterable[str]) -> None:
        for agent_id in agent_ids:
            self._touch(agent_id)
            if self._loads.pop(agent_id, None) is not None:
                self.generation += 1
