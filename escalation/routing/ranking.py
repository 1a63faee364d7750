"""Available agents kept in routing order, so a route asks the first fit at once.

Ranking every available agent per decision (sort, then a requirements check on each
until one fits) was a fifth of a busy node's CPU, and the most when it mattered: with
every agent full, each route walked all of them to find none. Here each organisation's
available agents are kept, per load unit, in a sorted list of those with room in that
unit, under the key ``preference_order`` sorts by. A committed load change moves one
agent (a bisect); a route walks the shortest list of its units, so it starts at the
best fit and, when nobody has room, finds an empty list.

The view is rebuilt from the agent directory and the load view whenever either is
re-read (``agent_cache_s``) or forgets an agent; like them, it only orders
candidates: the store's atomic write still has the last word on capacity.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Collection, Iterator, Sequence

from escalation.routing.policy import AgentDirectory, LoadView, Requirements, has_room, rank_key
from store.escalation_models import LOAD_UNITS, AgentLoad, Escalation
from store.models import Agent

Key = tuple[bool, float, str]


def units_with_room(agent: Agent, load: AgentLoad) -> tuple[str, ...]:
    return tuple(u for u in LOAD_UNITS if has_room(agent, load, u))


class TenantRanking:
    """One organisation's available agents, per unit with room, in preference order."""

    def __init__(
        self, source: Sequence[Agent], loads: dict[str, AgentLoad], generation: int
    ) -> None:
        self.source, self.generation = source, generation
        # An agent whose load the view does not hold is left out (not taken as idle:
        # that offers agents who are full); they join when the view next holds them.
        self.agents = {a.id: a for a in source if a.presence == "available" and a.id in loads}
        self._loads: dict[str, AgentLoad] = {}
        self._keys: dict[str, Key] = {}
        self._units: dict[str, tuple[str, ...]] = {}
        self._room: dict[str, list[Key]] = {u: [] for u in LOAD_UNITS}
        for agent_id, agent in self.agents.items():
            self._place(agent, loads[agent_id])
        for keys in self._room.values():
            keys.sort()

    def _place(self, agent: Agent, load: AgentLoad, *, sorted_: bool = False) -> None:
        key = rank_key(agent, load)
        units = units_with_room(agent, load)
        self._loads[agent.id], self._keys[agent.id], self._units[agent.id] = load, key, units
        for unit in units:
            if sorted_:
                bisect.insort(self._room[unit], key)
            else:
                self._room[unit].append(key)

    def update(self, agent_id: str, load: AgentLoad) -> None:
        """A committed change of ``agent_id``'s load: move them to their new place."""
        agent = self.agents.get(agent_id)
        if agent is None:
            return
        old = self._keys[agent_id]
        for unit in self._units[agent_id]:
            keys = self._room[unit]
            del keys[bisect.bisect_left(keys, old)]
        self._place(agent, load, sorted_=True)

    def order(self, unit: str) -> list[str]:
        """Agent ids with room in ``unit``, best first (for tests and inspection)."""
        return [key[2] for key in self._room[unit]]

    def candidates(self, esc: Escalation, offering: Collection[str] = ()) -> Iterator[Agent]:
        """The agents who can take ``esc`` right now, lazily, in the order
        ``preference_order`` gives, except that agents this node is offering something
        to at the moment come after all others (they would only answer ``full``)."""
        needs = Requirements(esc)
        walk = min((self._room[u] for u in needs.units), key=len).copy()  # we yield mid-walk
        missed = frozenset(esc.missed_by)
        later: list[tuple[bool, bool, int, str]] = []
        for index, (_, _, agent_id) in enumerate(walk):
            if not self._fits(needs, agent_id):
                continue
            in_offering, was_missed = agent_id in offering, agent_id in missed
            if in_offering or was_missed:
                later.append((in_offering, was_missed, index, agent_id))
            else:
                yield self.agents[agent_id]
        for *_, agent_id in sorted(later):
            if self._fits(needs, agent_id):  # things moved on while earlier ones were asked
                yield self.agents[agent_id]

    def _fits(self, needs: Requirements, agent_id: str) -> bool:
        return needs.met_by(self.agents[agent_id], self._loads[agent_id])


class Ranking:
    """Every organisation's ``TenantRanking`` on this node, kept in step with the
    directory (rebuilt when it hands out a new list) and the load view (updated on
    each committed change, rebuilt when it re-reads or forgets)."""

    def __init__(self, directory: AgentDirectory, loads: LoadView) -> None:
        self._directory, self._loads = directory, loads
        self._tenants: dict[str, TenantRanking] = {}
        self._building: dict[str, asyncio.Future[None]] = {}
        loads.listeners.append(self._changed)

    async def of(self, tenant_id: str) -> TenantRanking:
        for _ in range(3):
            agents = await self._directory.agents(tenant_id)
            self._loads.expire_if_due()
            ranking = self._tenants.get(tenant_id)
            if (
                ranking is not None
                and ranking.source is agents
                and ranking.generation == self._loads.generation
            ):
                return ranking
            # One rebuild at a time per organisation: the routes that found the ranking
            # out of date together (after a forget, say) wait for it rather than each
            # reading and sorting every agent again.
            building = self._building.get(tenant_id)
            if building is None:
                break
            await asyncio.shield(building)
        building = asyncio.get_running_loop().create_future()
        self._building[tenant_id] = building
        try:
            return await self._rebuild(tenant_id, agents)
        finally:
            if self._building.get(tenant_id) is building:
                del self._building[tenant_id]
            building.set_result(None)

    async def _rebuild(self, tenant_id: str, agents: list[Agent]) -> TenantRanking:
        ids = [a.id for a in agents if a.presence == "available"]
        for _ in range(3):  # again if the view forgot or re-read while we read
            generation = self._loads.generation
            await self._loads.of(ids)
            if self._loads.generation == generation:
                break
        # Built from the view as it is now, with no await before it is registered: a
        # change committed meanwhile is either in it or notified to it.
        ranking = TenantRanking(agents, self._loads.current(ids), self._loads.generation)
        self._tenants[tenant_id] = ranking
        return ranking

    def _changed(self, agent_id: str, load: AgentLoad) -> None:
        for ranking in self._tenants.values():
            ranking.update(agent_id, load)
