"""The escalation service: every change to an escalation goes through ``mutate``.

A change is decided from the current record by a pure function, checked against the
state table, then written with one atomic compare-and-set in the store (record, events,
agent loads and deadlines together). A lost race re-reads and decides again; an
illegal change raises Conflict (409) and nothing changes. After a write the events go
to ``app[ESCALATION_EVENTS]`` observers.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import secrets
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from aiohttp import web

from escalation.keys import AGENT_FEED, ELIGIBILITY, ESCALATION_EVENTS
from escalation.ranking import Ranking
from escalation.routing import AgentDirectory, LoadView, can_take, capacity_of
from escalation.schemas import CreateEscalation, CreateSession, TransferBody, UpgradeBody
from escalation.states import HELD, TERMINAL, can_transition
from server.auth.identity import caller_policy, verified_id, verify_context
from server.auth.invites import issue_invite
from server.auth.principals import (
    AgentPrincipal,
    ApiKeyPrincipal,
    Principal,
    SessionPrincipal,
    SitePrincipal,
)
from server.auth.tokens import IssuedToken
from server.config import Config
from server.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.keys import CONFIG, STORE, TOKENS
from store.base import Store
from store.escalation_models import (
    AgentLoad,
    ClaimedDeadline,
    Deadline,
    DeadlineKind,
    Escalation,
    EscalationEvent,
    EscalationWrite,
    LoadChange,
    Note,
    State,
    WrapUp,
    WriteResult,
    load_units,
)
from store.models import Agent, Invite, Session, utcnow

log = logging.getLogger("coview.escalation")

ALL_DEADLINES: tuple[DeadlineKind, ...] = ("offer", "relax", "queue")
ROUTER = "system:router"
TIMER = "system:deadline"
_MUTATE_ATTEMPTS = 8
PULL_WINDOW = 20  # how far down the queue an agent with room looks for one it can take
WRITTEN_KEPT = 4096  # records this node wrote last, kept for their next change here


@dataclass
class Change:
    """What a decision does: events appended (in order), the state entered (None: only
    facts) and any states passed through on the way (each transition is checked and
    timestamped), fields updated, load changes and deadlines. The last
    ``router_events`` events are the router's rather than the actor's. The session
    goes with the escalation's write."""

    events: list[tuple[str, dict[str, Any]]]
    state: State | None = None
    via: tuple[State, ...] = ()
    router_events: int = 0
    # The escalation's session, written in the same commit: a new one, or how the
    # stored one changes (None from it: unchanged).
    new_session: Session | None = None
    session_change: Callable[[Session], Session] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    loads: tuple[LoadChange, ...] = ()
    set_deadlines: tuple[Deadline, ...] = ()
    clear_deadlines: tuple[DeadlineKind, ...] = ()


Decide = Callable[[Escalation], Change | None]


@dataclass(frozen=True)
class Created:
    escalation: Escalation
    customer_token: IssuedToken
    invite: Invite


def actor_of(principal: Principal) -> str:
    if isinstance(principal, AgentPrincipal):
        return f"agent:{principal.agent_id}"
    if isinstance(principal, SessionPrincipal):
        return f"{principal.role}:{principal.participant_id}"
    if isinstance(principal, ApiKeyPrincipal):
        return f"api_key:{principal.key_id}"
    return f"site:{principal.site.id}"


def new_id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


class EscalationService:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.config: Config = app[CONFIG]
        self.directory = AgentDirectory(self._list_agents, self.config.agent_cache_s)
        self.loads = LoadView(self._read_loads, self.config.agent_cache_s)
        self.ranking = Ranking(self.directory, self.loads)
        # Agents this node is offering something to right now: concurrent routes here
        # pick the next agent instead of all racing for the same longest-idle one.
        self._offering: set[str] = set()
        # Escalations this node has queued and is about to route, per organisation, and
        # how often a pull stood aside for them (see ``pull``).
        self._routing: Counter[str] = Counter()
        self._pull_skips = 0
        self._written: OrderedDict[str, Escalation] = OrderedDict()  # see ``mutate``
        self._watching_loads = False

    @property
    def store(self) -> Store:
        return self.app[STORE]

    async def _list_agents(self, tenant_id: str) -> list[Agent]:
        return await self.store.list_agents(tenant_id)

    async def _read_loads(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        if not self._watching_loads:  # the store is open once the view first reads
            self._watching_loads = True
            self.store.watch_agent_loads(self.loads.seen)
        return await self.store.get_agent_loads(agent_ids)

    # reading ------------------------------------------------------------------------
    async def get(self, escalation_id: str) -> Escalation:
        esc = await self.store.get_escalation(escalation_id)
        if esc is None:
            raise NotFound("unknown escalation")
        return esc

    async def visible(self, principal: Principal, escalation_id: str) -> Escalation:
        """The escalation if ``principal`` may see it: agents and integrations of its
        organisation, and holders of a token for its session."""
        esc = await self.store.get_escalation(escalation_id)
        if esc is None or esc.tenant_id != principal.tenant_id:
            raise NotFound("unknown escalation")
        if isinstance(principal, SessionPrincipal) and principal.session_id != esc.session_id:
            raise Forbidden("this token is for another session")
        if isinstance(principal, SitePrincipal):
            raise Forbidden("a site key cannot read escalations; use the customer token")
        return esc

    # the one way to change an escalation ---------------------------------------------
    @staticmethod
    def _check_path(esc: Escalation, change: Change) -> tuple[State, ...]:
        """The states ``change`` takes ``esc`` through; Conflict if one step is illegal."""
        path = (esc.state, *change.via, change.state) if change.state is not None else ()
        for current, target in itertools.pairwise(path):
            if not can_transition(current, target):
                raise Conflict(f"an escalation that is {current} cannot become {target}")
        return path

    def _remember(self, esc: Escalation) -> None:
        """The record as this node just wrote it, for the next ``mutate`` of it here
        (an ended one is rarely changed again: not kept)."""
        if esc.state in TERMINAL:
            self._written.pop(esc.id, None)
            return
        self._written[esc.id] = esc
        self._written.move_to_end(esc.id)
        if len(self._written) > WRITTEN_KEPT:
            self._written.popitem(last=False)

    async def _write(
        self, esc: Escalation, change: Change, actor: str
    ) -> tuple[WriteResult, Escalation, list[EscalationEvent]]:
        path = self._check_path(esc, change)
        now = utcnow()
        timestamps = dict(esc.timestamps)
        for state in path[1:]:
            timestamps.setdefault(state, now)
        seq = esc.seq
        events = []
        routed_from = len(change.events) - change.router_events
        for index, (type_, data) in enumerate(change.events):
            seq += 1
            events.append(
                EscalationEvent(
                    id=f"{esc.id}.{seq}",
                    escalation_id=esc.id,
                    seq=seq,
                    type=type_,
                    at=now,
                    actor=ROUTER if index >= routed_from else actor,
                    data=data,
                )
            )
        updated = esc.model_copy(
            update={
                **change.fields,
                "state": change.state or esc.state,
                "seq": seq,
                "updated_at": now,
                "timestamps": timestamps,
            }
        )
        session = change.new_session
        if change.session_change is not None:
            session = await self._session_after(esc.session_id, change.session_change)
        result = await self.store.write_escalation(
            EscalationWrite(
                escalation=updated,
                expected_seq=esc.seq,
                events=tuple(events),
                loads=change.loads,
                set_deadlines=change.set_deadlines,
                clear_deadlines=change.clear_deadlines,
                previous_state=esc.state if esc.seq else None,
                session=session,
            )
        )
        if result == "ok":
            self._remember(updated)
            self.loads.applied(change.loads, now)
            await self._published(updated, events, change)
        elif result == "full":
            self.loads.forget(c.agent_id for c in change.loads)
        return result, updated, events

    async def _published(
        self, esc: Escalation, events: Sequence[EscalationEvent], change: Change
    ) -> None:
        await self.app[ESCALATION_EVENTS].publish(esc, events)
        feed = self.app.get(AGENT_FEED)
        agents = {c.agent_id for c in change.loads}
        if esc.agent_id and any(ev.type == "accepted" for ev in events):
            agents.add(esc.agent_id)  # an accepted offer keeps its units: now work, not offer
        if feed is not None and agents:
            await feed.presence(agents)

    async def mutate(self, escalation_id: str, actor: str, decide: Decide) -> Escalation | None:
        """Decide on the current record and write it; None when ``decide`` had nothing
        to do. Lost races are retried on the fresh record.

        The first try decides on the record this node last wrote, when it has it,
        without reading it: the write's compare-and-set on seq proves it current (every
        write moves seq on). A refusal or a no-op decided on it is decided again on the
        stored record before it counts."""
        esc = self._written.pop(escalation_id, None)
        remembered = esc is not None
        for _ in range(_MUTATE_ATTEMPTS):
            if esc is None:
                esc = await self.get(escalation_id)
            try:
                change = decide(esc)
                if change is not None:
                    self._check_path(esc, change)
            except Exception:
                if not remembered:
                    raise
                esc, remembered = None, False
                continue
            if change is None:
                if not remembered:
                    return None
                esc, remembered = None, False
                continue
            result, updated, _ = await self._write(esc, change, actor)
            if result == "ok":
                return updated
            if result == "full":
                raise Conflict("the agent has no free capacity for these modalities")
            esc, remembered = None, False
        raise Conflict("the escalation kept changing; try again")

    # creating -----------------------------------------------------------------------
    def _deadline(self, esc_id: str, kind: DeadlineKind, after_s: float) -> Deadline:
        return Deadline(escalation_id=esc_id, kind=kind, due=utcnow() + timedelta(seconds=after_s))

    def _queue_deadlines(self, esc_id: str, skills: Sequence[str]) -> tuple[Deadline, ...]:
        deadlines = [self._deadline(esc_id, "queue", self.config.queue_timeout_s)]
        if skills:
            deadlines.append(self._deadline(esc_id, "relax", self.config.skill_relax_s))
        return tuple(deadlines)

    async def create(
        self,
        principal: Principal,
        body: CreateEscalation,
        escalation_id: str | None = None,
        session: Session | None = None,
        *,
        identity_checked: bool = False,
    ) -> Created:
        """A bot's, a site's or a customer's request: eligible → queued and routed at
        once; otherwise ineligible with the reason and an alternative. A chat hands over
        its own ``session``, so the customer's token keeps working for the call.
        ``identity_checked``: the context's customer went through
        ``identity.verify_context`` already (a chat's, when it started)."""
        if isinstance(principal, AgentPrincipal):
            raise Forbidden("agents start sessions with POST /api/sessions")
        if not identity_checked:
            body = await self._verify_identity(principal, body)
        trigger = body.trigger or ("bot" if isinstance(principal, ApiKeyPrincipal) else "customer")
        if trigger == "agent":
            raise Unprocessable("trigger agent is for POST /api/sessions")
        tenant_id = principal.tenant_id
        eligibility = await self.app[ELIGIBILITY](self.store, tenant_id, body)
        esc_id = escalation_id or new_id("esc_")
        own_session = session is None
        if session is None:
            session = Session(id=new_id("s_"), tenant_id=tenant_id, escalation_id=esc_id)
        else:
            session = session.model_copy(update={"escalation_id": esc_id})
        customer = body.context.customer
        now = utcnow()
        esc = Escalation(
            id=esc_id,
            tenant_id=tenant_id,
            channel=body.channel,
            trigger=trigger,
            modalities=list(body.modalities),
            session_id=session.id,
            conversation_id=body.conversation_id,
            context=body.context,
            skills=list(body.skills),
            language=body.language or (customer.language if customer else None),
            priority=body.priority,
            customer_id=verified_id(customer),
            created_by=actor_of(principal),
            created_at=now,
            updated_at=now,
        )
        requested = ("requested", {"trigger": trigger, "modalities": list(body.modalities)})
        if eligibility.ok:
            change = Change(
                events=[requested, ("queued", {})],
                state="queued",
                fields={"queued_at": now},
                set_deadlines=self._queue_deadlines(esc_id, body.skills),
                new_session=session,
            )
        else:
            reason = {"reason": eligibility.reason, "alternative": eligibility.alternative}
            change = Change(
                events=[requested, ("ineligible", reason)],
                state="ineligible",
                fields=reason,
                # a session of its own ends with it; a chat's session outlives it
                new_session=session.model_copy(update={"ended_at": now})
                if own_session
                else session,
            )
        self._routing[tenant_id] += 1
        try:
            if eligibility.ok:
                created = await self._enqueue(esc, change, actor_of(principal))
            else:
                created = await self._create(esc, change, actor_of(principal))
        finally:
            self._routing[tenant_id] -= 1
        return await self._customer_access(principal, created, session)

    async def customer_access(self, principal: Principal, esc: Escalation) -> Created:
        """A fresh customer token and invite for ``esc`` (its creator's retry after the
        node that created it died before answering)."""
        session = await self.store.get_session(esc.session_id)
        if session is None:
            raise NotFound("the escalation's session is gone")
        return await self._customer_access(principal, esc, session)

    async def _customer_access(
        self, principal: Principal, esc: Escalation, session: Session
    ) -> Created:
        customer = esc.context.customer
        token = self.app[TOKENS].issue_session(
            session_id=session.id,
            tenant_id=esc.tenant_id,
            role="customer",
            participant_id=new_id("p_"),
            name=(customer.name if customer and customer.name else "Customer"),
        )
        invite = await issue_invite(
            self.store, self.config, session, "customer", actor_of(principal)
        )
        return Created(esc, token, invite)

    async def _verify_identity(
        self, principal: Principal, body: CreateEscalation
    ) -> CreateEscalation:
        """Customer claims as the caller may make them; a browser on a site that requires
        verification cannot choose its own priority either."""
        context = await verify_context(self.store, principal, body.context)
        update: dict[str, Any] = {"context": context}
        policy = await caller_policy(self.store, principal)
        if policy is not None and policy.required:
            update["priority"] = 0
        return body.model_copy(update=update)

    async def create_adhoc(
        self, principal: AgentPrincipal, body: CreateSession
    ) -> tuple[Escalation, Invite]:
        """An agent's own session (a call turned visual): trigger agent, accepted by them."""
        agent = await self._agent(principal)
        esc_id = new_id("esc_")
        session = Session(
            id=new_id("s_"),
            tenant_id=principal.tenant_id,
            escalation_id=esc_id,
            agent_ids=[agent.id],
        )
        context = await verify_context(self.store, principal, body.context)
        customer = context.customer
        now = utcnow()
        esc = Escalation(
            id=esc_id,
            tenant_id=principal.tenant_id,
            channel=body.channel,
            trigger="agent",
            modalities=list(body.modalities),
            session_id=session.id,
            conversation_id=body.conversation_id,
            context=context,
            language=body.language,
            customer_id=verified_id(customer),
            created_by=actor_of(principal),
            created_at=now,
            updated_at=now,
            agent_id=agent.id,
        )
        change = Change(
            events=[
                ("requested", {"trigger": "agent", "modalities": list(body.modalities)}),
                ("accepted", {"agent_id": agent.id, "wait_s": 0.0}),
            ],
            state="accepted",
            loads=(LoadChange(agent.id, 1, esc.units, capacity_of(agent)),),
            new_session=session,  # written with the escalation, or not at all
        )
        result, created, _ = await self._write(esc, change, actor_of(principal))
        if result != "ok":
            raise Conflict("you have no free capacity for these modalities")
        invite = await issue_invite(self.store, self.config, session, "customer", agent.id)
        return created, invite

    async def _create(self, esc: Escalation, change: Change, actor: str) -> Escalation:
        result, created, _ = await self._write(esc, change, actor)
        if result != "ok":
            raise Conflict("could not create the escalation")
        return created

    async def _enqueue(self, esc: Escalation, queued: Change, actor: str) -> Escalation:
        """A new escalation entering the queue: offered in that same write to the agent
        routing would pick, when one can take it (one write, one publish, instead of
        queue then route); otherwise queued and routed as usual."""
        ranking = await self.ranking.of(esc.tenant_id)
        for agent in ranking.candidates(esc, self._offering):
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
            with self._offering_to(agent.id):
                result, created, _ = await self._write(esc, change, actor)
            if result == "ok":
                return created
            if result == "conflict":
                raise Conflict("could not create the escalation")
            # full: another node filled this agent; ask the next one
        created = await self._create(esc, queued, actor)
        return await self.route(created.id) or created

    # routing ------------------------------------------------------------------------
    def _offer_change(self, esc: Escalation, agent: Agent) -> Change:
        expires = utcnow() + timedelta(seconds=self.config.offer_timeout_s)
        return Change(
            events=[("offered", {"agent_id": agent.id, "expires_at": expires.isoformat()})],
            state="offered",
            fields={"offered_to": agent.id, "offer_expires_at": expires},
            loads=(LoadChange(agent.id, 1, esc.units, capacity_of(agent)),),
            set_deadlines=(Deadline(escalation_id=esc.id, kind="offer", due=expires),),
        )

    async def _offer(self, esc: Escalation, agent: Agent) -> tuple[WriteResult, Escalation]:
        if esc.state != "queued":  # a stale read: someone else moved it on
            return "conflict", esc
        with self._offering_to(agent.id):
            return await self._offer_now(esc, agent)

    @contextlib.contextmanager
    def _offering_to(self, agent_id: str) -> Iterator[None]:
        """Mark ``agent_id`` as being offered something by this node meanwhile."""
        self._offering.add(agent_id)
        try:
            yield
        finally:
            self._offering.discard(agent_id)

    async def _offer_now(self, esc: Escalation, agent: Agent) -> tuple[WriteResult, Escalation]:
        result, updated, _ = await self._write(esc, self._offer_change(esc, agent), ROUTER)
        return result, updated

    async def route(self, escalation_id: str) -> Escalation | None:
        """Offer a queued escalation to the longest-idle agent who can take it."""
        skips = self._pull_skips
        for _ in range(_MUTATE_ATTEMPTS):
            esc = await self.store.get_escalation(escalation_id)
            if esc is None or esc.state != "queued":
                return None
            ranking = await self.ranking.of(esc.tenant_id)
            raced = False
            for agent in ranking.candidates(esc, self._offering):
                result, updated = await self._offer(esc, agent)
                if result == "ok":
                    return updated
                if result == "conflict":
                    raced = True
                    break
            if not raced and self._pull_skips == skips:
                return None
            skips = self._pull_skips  # an agent freed up meanwhile and left it to us
        return None

    async def pull(self, agent_id: str) -> None:
        """An agent has room: offer them the first queued escalation they can take."""
        for _ in range(_MUTATE_ATTEMPTS):
            agent = await self.store.get_agent(agent_id)
            if agent is None or agent.presence != "available":
                return
            # Every queued escalation is one this node is routing right now: those routes
            # will see this agent (and look again if they found no one), so skip
            # reading the queue, which costs a parse per escalation.
            queued = await self.store.count_by_state(agent.tenant_id, ["queued"])
            if queued["queued"] <= self._routing[agent.tenant_id]:
                self._pull_skips += 1
                return
            load = (await self.store.get_agent_loads([agent_id]))[agent_id]
            # The head of the queue first: it usually fits, and reading the whole window
            # costs a parse per escalation when the queue is long (a node behind on its
            # queue, where every freed agent pulls, is where that cost hurts most).
            result = await self._offer_first(agent, load, limit=1)
            if result is None:
                result = await self._offer_first(agent, load, limit=PULL_WINDOW)
            if result != "ok":
                return

    async def _offer_first(
        self, agent: Agent, load: AgentLoad, limit: int
    ) -> Literal["ok", "full"] | None:
        """Offer ``agent`` the first of the first ``limit`` queued escalations they can
        take: ``ok``, ``full`` (they have no room after all), or None (none offered)."""
        for esc in await self.store.queued_escalations(agent.tenant_id, limit=limit):
            if not can_take(agent, esc, load):
                continue
            result, _ = await self._offer(esc, agent)
            if result != "conflict":
                return result
        return None

    async def presence_changed(self, agent: Agent) -> None:
        self.directory.invalidate(agent.tenant_id)
        self.loads.forget([agent.id])
        if agent.presence == "available":
            await self.store.mark_agent_idle(agent.id, utcnow())
        feed = self.app.get(AGENT_FEED)
        if feed is not None:
            await feed.presence({agent.id})
        if agent.presence == "available":
            await self.pull(agent.id)
        else:
            await self._withdraw_offers(agent)

    async def _withdraw_offers(self, agent: Agent) -> None:
        """An agent who went away or offline cannot answer their open offers: give
        them to the next agent now rather than after the offer times out."""
        offered = await self.store.list_escalations(agent.tenant_id, states=["offered"], limit=500)
        for esc in offered:
            if esc.offered_to != agent.id:
                continue
            if await self.mutate(esc.id, ROUTER, lambda e: self._withdraw_offer(e, agent.id)):
                await self.route(esc.id)

    def _withdraw_offer(self, esc: Escalation, agent_id: str) -> Change | None:
        if esc.state != "offered" or esc.offered_to != agent_id:
            return None
        data = {"agent_id": agent_id, "withdrawn_from": agent_id, "reason": "agent_unavailable"}
        return Change(
            events=[("offer_withdrawn", data)],
            state="queued",
            fields={"offered_to": None, "offer_expires_at": None},
            loads=self._releases(esc),
            clear_deadlines=("offer",),
        )

    # agents' actions ----------------------------------------------------------------
    async def _agent(self, principal: AgentPrincipal) -> Agent:
        agent = principal.agent or await self.store.get_agent(principal.agent_id)
        if agent is None:
            raise NotFound("agent no longer exists")
        return agent

    @staticmethod
    def require_holder(esc: Escalation, principal: AgentPrincipal) -> None:
        if esc.agent_id != principal.agent_id and not principal.is_supervisor:
            raise Forbidden("only the agent holding this escalation (or a supervisor) may")

    @staticmethod
    def _releases(esc: Escalation) -> tuple[LoadChange, ...]:
        """The load an escalation in its current state occupies."""
        if esc.state == "offered" and esc.offered_to:
            return (LoadChange(esc.offered_to, -1, esc.units),)
        if esc.state in HELD and esc.agent_id:
            return (LoadChange(esc.agent_id, -1, esc.units),)
        return ()

    async def accept(self, principal: AgentPrincipal, escalation_id: str) -> Escalation:
        agent = await self._agent(principal)

        def decide(esc: Escalation) -> Change:
            if esc.state == "offered":
                if esc.offered_to != agent.id:
                    raise Conflict("this escalation is offered to another agent")
                loads: tuple[LoadChange, ...] = ()
            elif esc.state == "queued":
                if agent.id in esc.declined_by:
                    raise Conflict("you declined this escalation")
                loads = (LoadChange(agent.id, 1, esc.units, capacity_of(agent)),)
            else:
                raise Conflict(f"an escalation that is {esc.state} cannot be accepted")
            waited = (utcnow() - (esc.queued_at or esc.created_at)).total_seconds()
            return Change(
                events=[("accepted", {"agent_id": agent.id, "wait_s": round(waited, 3)})],
                state="accepted",
                fields={"agent_id": agent.id, "offered_to": None, "offer_expires_at": None},
                loads=loads,
                clear_deadlines=ALL_DEADLINES,
                session_change=lambda s: with_agents(s, add=agent.id),
            )

        esc = await self.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        return esc

    async def decline(
        self, principal: AgentPrincipal, escalation_id: str, reason: str | None
    ) -> Escalation:
        def decide(esc: Escalation) -> Change:
            if esc.state != "offered" or esc.offered_to != principal.agent_id:
                raise Conflict("there is no offer of this escalation to you")
            return Change(
                events=[("declined", {"agent_id": principal.agent_id, "reason": reason})],
                state="queued",
                fields={
                    "offered_to": None,
                    "offer_expires_at": None,
                    "declined_by": [*esc.declined_by, principal.agent_id],
                },
                loads=self._releases(esc),
                clear_deadlines=("offer",),
            )

        esc = await self.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        esc = await self.route(escalation_id) or esc
        await self.pull(principal.agent_id)
        return esc

    async def _leave(
        self, principal: Principal, escalation_id: str, state: State, reason: str | None
    ) -> Escalation:
        """Cancelled by someone, or abandoned by the customer; frees any held load."""
        freed: list[str] = []

        def decide(esc: Escalation) -> Change:
            if not can_transition(esc.state, state):
                raise Conflict(f"an escalation that is {esc.state} cannot become {state}")
            releases = self._releases(esc)
            freed[:] = [c.agent_id for c in releases]
            data: dict[str, Any] = {"reason": reason}
            if esc.state == "offered":
                data["withdrawn_from"] = esc.offered_to
            return Change(
                events=[(state, data)],
                state=state,
                fields={"offered_to": None, "offer_expires_at": None, "reason": reason},
                loads=releases,
                clear_deadlines=ALL_DEADLINES,
                session_change=ended,
            )

        return await self._finish(escalation_id, principal, decide, freed)

    async def cancel(
        self, principal: Principal, escalation_id: str, reason: str | None
    ) -> Escalation:
        esc = await self.visible(principal, escalation_id)
        if isinstance(principal, SessionPrincipal) and principal.role != "customer":
            raise Forbidden("only the customer may cancel with a session token")
        if (
            isinstance(principal, AgentPrincipal)
            and not principal.is_supervisor
            and principal.agent_id not in (esc.agent_id, esc.offered_to)
        ):
            raise Forbidden("only the agent holding this escalation (or a supervisor) may")
        return await self._leave(principal, escalation_id, "cancelled", reason)

    async def abandon(self, principal: SessionPrincipal, escalation_id: str) -> Escalation:
        await self.visible(principal, escalation_id)
        if principal.role != "customer":
            raise Forbidden("only the customer may abandon their escalation")
        return await self._leave(principal, escalation_id, "abandoned", "customer left")

    async def transfer(
        self, principal: AgentPrincipal, escalation_id: str, body: TransferBody
    ) -> Escalation:
        target: Agent | None = None
        if body.to_agent_id is not None:
            target = await self.store.get_agent(body.to_agent_id)
            if target is None or target.tenant_id != principal.tenant_id:
                raise Unprocessable("unknown agent to transfer to")
            if target.presence != "available":
                raise Conflict(f"{target.name} is not available")
        previous: list[str] = []

        def decide(esc: Escalation) -> Change:
            self.require_holder(esc, principal)
            if esc.state not in ("accepted", "connecting", "in_session"):
                raise Conflict(f"an escalation that is {esc.state} cannot be transferred")
            if target is not None and target.id == esc.agent_id:
                raise Unprocessable("the escalation is already theirs")
            previous[:] = [esc.agent_id] if esc.agent_id else []
            note = Note(by=principal.agent_id, text=body.note)
            moved = {
                "from_agent_id": esc.agent_id,
                "to": "queue" if target is None else "agent",
                "to_agent_id": None if target is None else target.id,
                "note": body.note,
            }
            fields: dict[str, Any] = {"agent_id": None, "notes": [*esc.notes, note]}
            if target is None:
                skills = body.skills if body.skills is not None else esc.skills
                return Change(
                    events=[("transferred", moved), ("queued", {})],
                    state="queued",
                    fields={
                        **fields,
                        "queued_at": utcnow(),
                        "skills": skills,
                        "skills_relaxed": False,
                        "declined_by": [*esc.declined_by, *previous],
                    },
                    loads=self._releases(esc),
                    set_deadlines=self._queue_deadlines(esc.id, skills),
                )
            expires = utcnow() + timedelta(seconds=self.config.offer_timeout_s)
            return Change(
                events=[
                    ("transferred", moved),
                    ("offered", {"agent_id": target.id, "expires_at": expires.isoformat()}),
                ],
                state="offered",
                fields={**fields, "offered_to": target.id, "offer_expires_at": expires},
                loads=(
                    *self._releases(esc),
                    LoadChange(target.id, 1, esc.units, capacity_of(target)),
                ),
                set_deadlines=(Deadline(escalation_id=esc.id, kind="offer", due=expires),),
            )

        esc = await self.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        for agent_id in previous:
            await self._assign(esc.session_id, remove=agent_id)
        if target is None:
            esc = await self.route(escalation_id) or esc
        for agent_id in previous:
            await self.pull(agent_id)
        return esc

    async def upgrade(
        self, principal: AgentPrincipal, escalation_id: str, body: UpgradeBody
    ) -> Escalation:
        current = await self.get(escalation_id)
        holder = await self.store.get_agent(current.agent_id) if current.agent_id else None
        capacities = {holder.id: capacity_of(holder)} if holder else {}

        def decide(esc: Escalation) -> Change:
            self.require_holder(esc, principal)
            if esc.state not in ("accepted", "connecting", "in_session"):
                raise Conflict(f"an escalation that is {esc.state} cannot be upgraded")
            added = [m for m in body.modalities if m not in esc.modalities]
            if not added:
                raise Conflict("the escalation already has these modalities")
            modalities = [*esc.modalities, *added]
            new_units = tuple(u for u in load_units(modalities) if u not in esc.units)
            loads: tuple[LoadChange, ...] = ()
            if new_units and esc.agent_id:
                capacity = capacities.get(esc.agent_id, {})
                loads = (LoadChange(esc.agent_id, 1, new_units, capacity),)
            return Change(
                events=[
                    (
                        "upgraded",
                        {
                            "added": added,
                            "modalities": modalities,
                            "trigger": body.trigger,
                            "by": principal.agent_id,
                        },
                    )
                ],
                fields={"modalities": modalities},
                loads=loads,
            )

        updated = await self.mutate(escalation_id, actor_of(principal), decide)
        assert updated is not None
        return updated

    async def wrap_up(
        self, principal: AgentPrincipal, escalation_id: str, notes: str, disposition: str | None
    ) -> Escalation:
        def decide(esc: Escalation) -> Change:
            self.require_holder(esc, principal)
            data = {"notes": notes, "disposition": disposition}
            return Change(
                events=[("wrap_up", data)],
                state="wrap_up",
                fields={"wrap_up": WrapUp(by=principal.agent_id, **data)},
            )

        esc = await self.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        return esc

    async def complete(self, principal: AgentPrincipal, escalation_id: str) -> Escalation:
        freed: list[str] = []

        def decide(esc: Escalation) -> Change:
            self.require_holder(esc, principal)
            releases = self._releases(esc)
            freed[:] = [c.agent_id for c in releases]
            handled = (utcnow() - esc.timestamps.get("accepted", esc.created_at)).total_seconds()
            return Change(
                events=[("completed", {"handle_s": round(handled, 3)})],
                state="completed",
                loads=releases,
                clear_deadlines=ALL_DEADLINES,
                session_change=ended,
            )

        return await self._finish(escalation_id, principal, decide, freed)

    # session facts ------------------------------------------------------------------
    async def record_fact(
        self, escalation_id: str, type_: str, actor: str, data: dict[str, Any]
    ) -> Escalation | None:
        """Append a session fact; ``media_connected`` also moves accepted/connecting to
        in_session and ``connecting`` moves accepted to connecting."""

        def decide(esc: Escalation) -> Change:
            facts = dict(data)
            accepted_at = esc.timestamps.get("accepted")
            if type_ == "media_connected" and accepted_at is not None:
                facts.setdefault(
                    "since_accept_ms", round((utcnow() - accepted_at).total_seconds() * 1000)
                )
            events = [(type_, facts)]
            state: State | None = None
            if type_ == "media_connected" and esc.state in ("accepted", "connecting"):
                state = "in_session"
            elif type_ == "connecting" and esc.state == "accepted":
                state = "connecting"
            if state is not None and state != type_:
                events.append((state, {}))
            return Change(events=events, state=state)

        return await self.mutate(escalation_id, actor, decide)

    # deadlines ----------------------------------------------------------------------
    async def on_deadline(self, claim: ClaimedDeadline, now: datetime | None = None) -> None:
        """Act on a due deadline this node has claimed; stale ones are just dropped."""
        at = now or utcnow()
        esc = await self.store.get_escalation(claim.escalation_id)
        done: Escalation | None = None
        if esc is not None and claim.kind == "offer":
            done = await self.mutate(esc.id, TIMER, lambda e: self._expire_offer(e, at))
            if done is not None:
                await self.route(esc.id)
                return
        elif esc is not None and claim.kind == "relax":
            done = await self.mutate(esc.id, TIMER, self._relax_skills)
            if done is not None:
                await self.route(esc.id)
                return
        elif esc is not None and claim.kind == "queue":
            if esc.state == "offered" and esc.offer_expires_at is not None:
                # let the offer play out; look again just after it expires
                due = esc.offer_expires_at + timedelta(milliseconds=50)
                await self.store.put_deadline(Deadline(escalation_id=esc.id, kind="queue", due=due))
                return
            done = await self.mutate(esc.id, TIMER, self._expire_queue)
            if done is not None:
                await self._end_session(done)
                return
        await self.store.drop_deadline(claim.escalation_id, claim.kind, claim.token)

    def _expire_offer(self, esc: Escalation, now: datetime) -> Change | None:
        if esc.state != "offered" or esc.offer_expires_at is None or esc.offer_expires_at > now:
            return None
        agent_id = esc.offered_to
        return Change(
            events=[("offer_expired", {"agent_id": agent_id, "withdrawn_from": agent_id})],
            state="queued",
            fields={
                "offered_to": None,
                "offer_expires_at": None,
                "missed_by": [*esc.missed_by, agent_id] if agent_id else esc.missed_by,
            },
            loads=self._releases(esc),
            clear_deadlines=("offer",),
        )

    @staticmethod
    def _relax_skills(esc: Escalation) -> Change | None:
        if esc.state not in ("queued", "offered") or esc.skills_relaxed or not esc.skills:
            return None
        return Change(
            events=[("skills_relaxed", {"skills": esc.skills})],
            fields={"skills_relaxed": True},
            clear_deadlines=("relax",),
        )

    @staticmethod
    def _expire_queue(esc: Escalation) -> Change | None:
        if esc.state != "queued":
            return None
        waited = (utcnow() - (esc.queued_at or esc.created_at)).total_seconds()
        return Change(
            events=[("expired", {"waited_s": round(waited, 3)})],
            state="expired",
            clear_deadlines=ALL_DEADLINES,
        )

    # the session that belongs to the escalation ---------------------------------------
    async def _session_after(
        self, session_id: str, change: Callable[[Session], Session]
    ) -> Session | None:
        """The stored session as ``change`` leaves it; None when there is none or the
        change leaves it as it is (``with_agents``, ``ended``)."""
        stored = await self.store.get_session(session_id)
        if stored is None:
            return None
        changed = change(stored)
        return None if changed is stored else changed

    async def _update_session(self, session_id: str, change: Callable[[Session], Session]) -> None:
        """``change`` the session on its own (outside an escalation's write)."""
        changed = await self._session_after(session_id, change)
        if changed is not None:
            await self.store.update_session(changed)

    async def _assign(
        self, session_id: str, add: str | None = None, remove: str | None = None
    ) -> None:
        await self._update_session(session_id, lambda s: with_agents(s, add=add, remove=remove))

    async def _finish(
        self,
        escalation_id: str,
        principal: Principal,
        decide: Decide,
        freed: list[str],
    ) -> Escalation:
        """Apply an ending change (which closes its session, ``ended``) and let the freed
        agents take more."""
        esc = await self.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        for agent_id in freed:
            await self.pull(agent_id)
        return esc

    async def _end_session(self, esc: Escalation) -> None:
        """Close the session of an escalation that ended outside a decision (expiry)."""
        if esc.state in TERMINAL:
            await self._update_session(esc.session_id, ended)


def with_agents(session: Session, add: str | None = None, remove: str | None = None) -> Session:
    """``session`` with agent ``add`` joined and ``remove`` gone (itself if unchanged)."""
    agents = [a for a in session.agent_ids if a != remove]
    if add is not None and add not in agents:
        agents.append(add)
    if agents == session.agent_ids:
        return session
    return session.model_copy(update={"agent_ids": agents})


def ended(session: Session) -> Session:
    """``session`` closed now (itself if it already was)."""
    if session.ended_at is not None:
        return session
    return session.model_copy(update={"ended_at": utcnow()})


async def create_escalation(
    app: web.Application, principal: Principal, request: CreateEscalation
) -> tuple[Escalation, str]:
    """Create (eligibility checked, queued and routed) as ``POST /api/escalations`` does;
    the escalation and the customer's session token. For the bot and hand-off endpoints."""
    from escalation.keys import ESCALATIONS

    created = await app[ESCALATIONS].create(principal, request)
    return created.escalation, created.customer_token.token
