"""What a decision does to an escalation (``Change``), and the decisions that are pure
functions of the record: offering, withdrawing, expiring, relaxing skills, releasing
load. The writer applies them (``escalation/core/writer.py``)."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from escalation.core.states import HELD, can_transition
from escalation.routing.policy import capacity_of
from server.platform.auth.principals import (
    AgentPrincipal,
    ApiKeyPrincipal,
    Principal,
    SessionPrincipal,
)
from server.platform.errors import Conflict
from store.escalation_models import Deadline, DeadlineKind, Escalation, LoadChange, State
from store.models import Agent, Session, utcnow

ALL_DEADLINES: tuple[DeadlineKind, ...] = ("offer", "relax", "queue")
ROUTER = "system:router"
TIMER = "system:deadline"


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


def check_path(esc: Escalation, change: Change) -> tuple[State, ...]:
    """The states ``change`` takes ``esc`` through; Conflict if one step is illegal."""
    path = (esc.state, *change.via, change.state) if change.state is not None else ()
    for current, target in itertools.pairwise(path):
        if not can_transition(current, target):
            raise Conflict(f"an escalation that is {current} cannot become {target}")
    return path


def deadline(esc_id: str, kind: DeadlineKind, after_s: float) -> Deadline:
    return Deadline(escalation_id=esc_id, kind=kind, due=utcnow() + timedelta(seconds=after_s))


def queue_deadlines(
    esc_id: str, skills: Sequence[str], queue_timeout_s: float, skill_relax_s: float
) -> tuple[Deadline, ...]:
    """Entering the queue: it expires after ``queue_timeout_s``; required skills are
    relaxed after ``skill_relax_s``."""
    deadlines = [deadline(esc_id, "queue", queue_timeout_s)]
    if skills:
        deadlines.append(deadline(esc_id, "relax", skill_relax_s))
    return tuple(deadlines)


def releases(esc: Escalation) -> tuple[LoadChange, ...]:
    """The load an escalation in its current state occupies."""
    if esc.state == "offered" and esc.offered_to:
        return (LoadChange(esc.offered_to, -1, esc.units),)
    if esc.state in HELD and esc.agent_id:
        return (LoadChange(esc.agent_id, -1, esc.units),)
    return ()


def offer_moves(before: Escalation, after: Escalation) -> tuple[LoadChange, ...]:
    """The open offers a change closes and opens, counted on the agents' loads (the
    console's presence reads them there instead of listing every open offer); derived
    from the records, so no transition can forget its half."""
    was = before.offered_to if before.seq and before.state == "offered" else None
    now = after.offered_to if after.state == "offered" else None
    if was == now:
        return ()
    moves = []
    if was:
        moves.append(LoadChange(was, 0, before.units, offer=-1))
    if now:
        moves.append(LoadChange(now, 0, after.units, offer=1))
    return tuple(moves)


def offer(esc: Escalation, agent: Agent, offer_timeout_s: float) -> Change:
    expires = utcnow() + timedelta(seconds=offer_timeout_s)
    return Change(
        events=[("offered", {"agent_id": agent.id, "expires_at": expires.isoformat()})],
        state="offered",
        fields={"offered_to": agent.id, "offer_expires_at": expires},
        loads=(LoadChange(agent.id, 1, esc.units, capacity_of(agent)),),
        set_deadlines=(Deadline(escalation_id=esc.id, kind="offer", due=expires),),
    )


def withdraw_offer(esc: Escalation, agent_id: str) -> Change | None:
    """The agent went away or offline: their open offer goes back to the queue."""
    if esc.state != "offered" or esc.offered_to != agent_id:
        return None
    data = {"agent_id": agent_id, "withdrawn_from": agent_id, "reason": "agent_unavailable"}
    return Change(
        events=[("offer_withdrawn", data)],
        state="queued",
        fields={"offered_to": None, "offer_expires_at": None},
        loads=releases(esc),
        clear_deadlines=("offer",),
    )


def expire_offer(esc: Escalation, now: datetime) -> Change | None:
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
        loads=releases(esc),
        clear_deadlines=("offer",),
    )


def relax_skills(esc: Escalation) -> Change | None:
    if esc.state not in ("queued", "offered") or esc.skills_relaxed or not esc.skills:
        return None
    return Change(
        events=[("skills_relaxed", {"skills": esc.skills})],
        fields={"skills_relaxed": True},
        clear_deadlines=("relax",),
    )


def expire_queue(esc: Escalation) -> Change | None:
    if esc.state != "queued":
        return None
    waited = (utcnow() - (esc.queued_at or esc.created_at)).total_seconds()
    return Change(
        events=[("expired", {"waited_s": round(waited, 3)})],
        state="expired",
        clear_deadlines=ALL_DEADLINES,
    )


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
