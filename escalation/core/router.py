"""Routing decisions applied: a new escalation offered in its creating write, a queued
one offered to the longest-idle agent who can take it, an agent with room pulling the
first queued escalation they can take, and offers withdrawn from an agent who left.
Which agents qualify and in which order is ``escalation.routing.policy``'s; this module acts on
it through the writer."""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Literal

from escalation.core import change as decisions
from escalation.core.change import ROUTER, Change
from escalation.core.keys import AGENT_CHANGES
from escalation.core.writer import MUTATE_ATTEMPTS, EscalationWriter
from escalation.routing.policy import AgentDirectory, can_take
from escalation.routing.ranking import Ranking
from server.platform.config import Config
from server.platform.errors import Conflict
from store.escalation_models import AgentLoad, Escalation, WriteResult
from store.models import Agent, utcnow

FULL_RETRIES = 8  # agents asked in turn who answer ``full`` (another node filled them)
PULL_WINDOW = 20  # how far down the queue an agent with room looks for one it can take


@contextlib.contextmanager
def _marked(marks: set[str], key: str) -> Iterator[None]:
    """``key`` in ``marks`` meanwhile (what this node is offering, or offering to)."""
    marks.add(key)
    try:
        yield
    finally:
        marks.discard(key)


class Router:
    def __init__(self, writer: EscalationWriter, config: Config) -> None:
        self.writer = writer
        self.config = config
        self.directory = AgentDirectory(self._list_agents, config.agent_cache_s)
        self.ranking = Ranking(self.directory, writer.loads)
        # Agents this node is offering something to right now: concurrent routes here
        # pick the next agent instead of all racing for the same longest-idle one.
        self._offering: set[str] = set()
        # Queued escalations this node is offering to someone right now: a pull walking
        # the queue passes over them (it could only lose the race for them).
        self._claimed: set[str] = set()
        # Escalations this node has queued and is about to route, per organisation, and
        # how often a pull stood aside for them (see ``pull``).
        self._routing: Counter[str] = Counter()
        self._pull_skips = 0

    async def _list_agents(self, tenant_id: str) -> list[Agent]:
        return await self.writer.store.list_agents(tenant_id)

    @contextlib.contextmanager
    def routing_new(self, tenant_id: str) -> Iterator[None]:
        """An escalation of ``tenant_id`` is being created and routed by this node."""
        self._routing[tenant_id] += 1
        try:
            yield
        finally:
            self._routing[tenant_id] -= 1

    def _offer_change(self, esc: Escalation, agent: Agent) -> Change:
        return decisions.offer(esc, agent, self.config.offer_timeout_s)

    async def enqueue(self, esc: Escalation, queued: Change, actor: str) -> Escalation:
        """A new escalation entering the queue: offered in that same write to the agent
        routing would pick, when one can take it (one write, one publish, instead of
        queue then route); otherwise queued and routed as usual."""

        async def offer_in_creating_write(agent: Agent) -> tuple[WriteResult, Escalation]:
            offer = self._offer_change(esc, agent)
            change = Change(
                events=[*queued.events, *offer.events],
                state="offered",
                via=("queued",),
                router_events=len(offer.events),
                fields={**queued.fields, **offer.fields},
                loads=offer.loads,
                set_deadlines=(*queued.set_deadlines, *offer.set_deadlines),
                new_session=queued.new_session,
            )
            with _marked(self._offering, agent.id):
                result, created, _ = await self.writer.write(esc, change, actor)
            return result, created

        outcome = await self._offer_in_turn(esc, offer_in_creating_write)
        if outcome is not None:
            result, created = outcome
            if result == "ok":
                return created
            raise Conflict("could not create the escalation")
        created = await self.create(esc, queued, actor)
        return await self.route(created.id) or created

    async def create(self, esc: Escalation, change: Change, actor: str) -> Escalation:
        """Write a new escalation as decided, offered to no one."""
        result, created, _ = await self.writer.write(esc, change, actor)
        if result != "ok":
            raise Conflict("could not create the escalation")
        return created

    async def _offer_in_turn(
        self, esc: Escalation, attempt: Callable[[Agent], Awaitable[tuple[WriteResult, Escalation]]]
    ) -> tuple[WriteResult, Escalation] | None:
        """``attempt`` an offer of ``esc`` to the best candidate until one answers other
        than ``full``; None when nobody (left) can take it. After a ``full`` the walk
        starts again on the ranking as rebuilt (the writer made the view forget that
        agent): a ranking replaced meanwhile is no longer kept current, and walking on
        along it offered one agent after another that this node had just filled."""
        tried: set[str] = set()
        for _ in range(FULL_RETRIES):
            ranking = await self.ranking.of(esc.tenant_id)
            candidates = ranking.candidates(esc, self._offering)
            agent = next((a for a in candidates if a.id not in tried), None)
            if agent is None:
                return None
            result, updated = await attempt(agent)
            if result != "full":
                return result, updated
            tried.add(agent.id)
        return None

    async def _offer(self, esc: Escalation, agent: Agent) -> tuple[WriteResult, Escalation]:
        if esc.state != "queued":  # a stale read: someone else moved it on
            return "conflict", esc
        with _marked(self._claimed, esc.id), _marked(self._offering, agent.id):
            result, updated, _ = await self.writer.write(
                esc, self._offer_change(esc, agent), ROUTER
            )
            return result, updated

    async def route(self, escalation_id: str) -> Escalation | None:
        """Offer a queued escalation to the longest-idle agent who can take it."""
        skips = self._pull_skips
        for _ in range(MUTATE_ATTEMPTS):
            esc = await self.writer.store.get_escalation(escalation_id)
            if esc is None or esc.state != "queued":
                return None
            outcome = await self._offer_in_turn(esc, functools.partial(self._offer, esc))
            if outcome is not None and outcome[0] == "ok":
                return outcome[1]
            raced = outcome is not None  # conflict: it changed since we read it
            if not raced and self._pull_skips == skips:
                return None
            skips = self._pull_skips  # an agent freed up meanwhile and left it to us
        return None

    async def pull(self, agent_id: str) -> None:
        """An agent has room: offer them the first queued escalation they can take."""
        store = self.writer.store
        for _ in range(MUTATE_ATTEMPTS):
            agent = await store.get_agent(agent_id)
            if agent is None or agent.presence != "available":
                return
            # Every queued escalation is one this node is routing right now: those routes
            # will see this agent (and look again if they found no one), so skip
            # reading the queue, which costs a parse per escalation.
            queued = await store.count_by_state(agent.tenant_id, ["queued"])
            if queued["queued"] <= self._routing[agent.tenant_id]:
                self._pull_skips += 1
                return
            load = (await store.get_agent_loads([agent_id]))[agent_id]
            # The head of the queue first, past the escalations this node is offering
            # right now: it usually fits, and reading the whole window costs a parse
            # per escalation when the queue is long (a node behind on its queue, where
            # every freed agent pulls, is where that cost hurts most).
            head = min(PULL_WINDOW, 1 + len(self._claimed))
            outcome = await self._offer_first(agent, load, limit=head)
            if outcome is None and head < PULL_WINDOW:
                outcome = await self._offer_first(agent, load, limit=PULL_WINDOW)
            if outcome is None:
                return
            result, esc = outcome
            if result == "full":
                # Pulls that ran meanwhile passed over it as claimed: it still waits,
                # so route it now rather than leave it to the next agent who frees up.
                await self.route(esc.id)
                return

    async def _offer_first(
        self, agent: Agent, load: AgentLoad, limit: int
    ) -> tuple[Literal["ok", "full"], Escalation] | None:
        """Offer ``agent`` the first of the first ``limit`` queued escalations they can
        take, and which one: ``ok``, ``full`` (they have no room after all), or None
        (none offered)."""
        for esc in await self.writer.store.queued_escalations(agent.tenant_id, limit=limit):
            if esc.id in self._claimed or not can_take(agent, esc, load):
                continue
            result, _ = await self._offer(esc, agent)
            if result != "conflict":
                return result, esc
        return None

    async def presence_changed(self, agent: Agent) -> None:
        self.directory.invalidate(agent.tenant_id)
        self.writer.loads.forget([agent.id])
        if agent.presence == "available":
            await self.writer.store.mark_agent_idle(agent.id, utcnow())
        await self.writer.app[AGENT_CHANGES].publish({agent.id})
        if agent.presence == "available":
            await self.pull(agent.id)
        else:
            await self._withdraw_offers(agent)

    async def _withdraw_offers(self, agent: Agent) -> None:
        """An agent who went away or offline cannot answer their open offers: give
        them to the next agent now rather than after the offer times out."""
        offered = await self.writer.store.list_escalations(
            agent.tenant_id, states=["offered"], limit=500
        )
        for esc in offered:
            if esc.offered_to != agent.id:
                continue
            withdrawn = await self.writer.mutate(
                esc.id, ROUTER, lambda e: decisions.withdraw_offer(e, agent.id)
            )
            if withdrawn:
                await self.route(esc.id)
