"""What agents, customers and sessions do to an escalation once it exists: accept,
decline, cancel, abandon, transfer, upgrade, wrap up, complete, and the facts a session
reports (media connected...). Each is a decision applied through the writer; freed
agents then pull the next escalation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from escalation.core.change import (
    ALL_DEADLINES,
    Change,
    Decide,
    actor_of,
    ended,
    queue_deadlines,
    releases,
    with_agents,
)
from escalation.core.router import Router
from escalation.core.schemas import TransferBody, UpgradeBody
from escalation.core.states import can_transition
from escalation.core.writer import EscalationWriter
from escalation.routing.policy import capacity_of
from server.platform.auth.principals import AgentPrincipal, Principal, SessionPrincipal
from server.platform.config import Config
from server.platform.errors import Conflict, Forbidden, NotFound, Unprocessable
from store.escalation_models import (
    Deadline,
    Escalation,
    LoadChange,
    Note,
    State,
    WrapUp,
    load_units,
)
from store.models import Agent, utcnow


def require_holder(esc: Escalation, principal: AgentPrincipal) -> None:
    if esc.agent_id != principal.agent_id and not principal.is_supervisor:
        raise Forbidden("only the agent holding this escalation (or a supervisor) may")


def _help_fields(esc: Escalation, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """The open request for help a raise-hand fact leaves on the record, so the open
    requests are read from the live records rather than from every one's events."""
    request_id = data.get("request_id")
    if type_ == "help_requested" and isinstance(request_id, str):
        return {"help_request_id": request_id}
    if type_ == "help_answered" and request_id == esc.help_request_id:
        return {"help_request_id": None}
    return {}


class Actions:
    def __init__(self, writer: EscalationWriter, router: Router, config: Config) -> None:
        self.writer = writer
        self.router = router
        self.config = config

    async def agent(self, principal: AgentPrincipal) -> Agent:
        agent = principal.agent or await self.writer.store.get_agent(principal.agent_id)
        if agent is None:
            raise NotFound("agent no longer exists")
        return agent

    async def accept(self, principal: AgentPrincipal, escalation_id: str) -> Escalation:
        agent = await self.agent(principal)

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

        esc = await self.writer.mutate(escalation_id, actor_of(principal), decide)
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
                loads=releases(esc),
                clear_deadlines=("offer",),
            )

        esc = await self.writer.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        esc = await self.router.route(escalation_id) or esc
        await self.router.pull(principal.agent_id)
        return esc

    async def _leave(
        self, principal: Principal, escalation_id: str, state: State, reason: str | None
    ) -> Escalation:
        """Cancelled by someone, or abandoned by the customer; frees any held load."""
        freed: list[str] = []

        def decide(esc: Escalation) -> Change:
            if not can_transition(esc.state, state):
                raise Conflict(f"an escalation that is {esc.state} cannot become {state}")
            held = releases(esc)
            freed[:] = [c.agent_id for c in held]
            data: dict[str, Any] = {"reason": reason}
            if esc.state == "offered":
                data["withdrawn_from"] = esc.offered_to
            return Change(
                events=[(state, data)],
                state=state,
                fields={"offered_to": None, "offer_expires_at": None, "reason": reason},
                loads=held,
                clear_deadlines=ALL_DEADLINES,
                session_change=ended,
            )

        return await self._finish(escalation_id, principal, decide, freed)

    async def cancel(
        self, principal: Principal, escalation_id: str, reason: str | None
    ) -> Escalation:
        esc = await self.writer.visible(principal, escalation_id)
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
        await self.writer.visible(principal, escalation_id)
        if principal.role != "customer":
            raise Forbidden("only the customer may abandon their escalation")
        return await self._leave(principal, escalation_id, "abandoned", "customer left")

    async def transfer(
        self, principal: AgentPrincipal, escalation_id: str, body: TransferBody
    ) -> Escalation:
        target: Agent | None = None
        if body.to_agent_id is not None:
            target = await self.writer.store.get_agent(body.to_agent_id)
            if target is None or target.tenant_id != principal.tenant_id:
                raise Unprocessable("unknown agent to transfer to")
            if target.presence != "available":
                raise Conflict(f"{target.name} is not available")
        previous: list[str] = []

        def decide(esc: Escalation) -> Change:
            require_holder(esc, principal)
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
                    loads=releases(esc),
                    set_deadlines=queue_deadlines(
                        esc.id, skills, self.config.queue_timeout_s, self.config.skill_relax_s
                    ),
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
                    *releases(esc),
                    LoadChange(target.id, 1, esc.units, capacity_of(target)),
                ),
                set_deadlines=(Deadline(escalation_id=esc.id, kind="offer", due=expires),),
            )

        esc = await self.writer.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        for agent_id in previous:
            await self.writer.assign(esc.session_id, remove=agent_id)
        if target is None:
            esc = await self.router.route(escalation_id) or esc
        for agent_id in previous:
            await self.router.pull(agent_id)
        return esc

    async def upgrade(
        self, principal: AgentPrincipal, escalation_id: str, body: UpgradeBody
    ) -> Escalation:
        store = self.writer.store
        current = await self.writer.get(escalation_id)
        holder = await store.get_agent(current.agent_id) if current.agent_id else None
        capacities = {holder.id: capacity_of(holder)} if holder else {}

        def decide(esc: Escalation) -> Change:
            require_holder(esc, principal)
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

        updated = await self.writer.mutate(escalation_id, actor_of(principal), decide)
        assert updated is not None
        return updated

    async def wrap_up(
        self, principal: AgentPrincipal, escalation_id: str, notes: str, disposition: str | None
    ) -> Escalation:
        def decide(esc: Escalation) -> Change:
            require_holder(esc, principal)
            data = {"notes": notes, "disposition": disposition}
            return Change(
                events=[("wrap_up", data)],
                state="wrap_up",
                fields={"wrap_up": WrapUp(by=principal.agent_id, **data)},
            )

        esc = await self.writer.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        return esc

    async def complete(self, principal: AgentPrincipal, escalation_id: str) -> Escalation:
        freed: list[str] = []

        def decide(esc: Escalation) -> Change:
            require_holder(esc, principal)
            held = releases(esc)
            freed[:] = [c.agent_id for c in held]
            handled = (utcnow() - esc.timestamps.get("accepted", esc.created_at)).total_seconds()
            return Change(
                events=[("completed", {"handle_s": round(handled, 3)})],
                state="completed",
                loads=held,
                clear_deadlines=ALL_DEADLINES,
                session_change=ended,
            )

        return await self._finish(escalation_id, principal, decide, freed)

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
            return Change(events=events, state=state, fields=_help_fields(esc, type_, data))

        return await self.writer.mutate(escalation_id, actor, decide)

    async def _finish(
        self,
        escalation_id: str,
        principal: Principal,
        decide: Decide,
        freed: list[str],
    ) -> Escalation:
        """Apply an ending change (which closes its session, ``ended``) and let the freed
        agents take more."""
        esc = await self.writer.mutate(escalation_id, actor_of(principal), decide)
        assert esc is not None
        for agent_id in freed:
            await self.router.pull(agent_id)
        return esc
