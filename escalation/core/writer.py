"""The one way to change an escalation: decide on the current record, check the path
against the state table, write it with one atomic compare-and-set in the store
(record, events, agent loads, deadlines and the session together), then publish.

A lost race re-reads and decides again; an illegal change raises Conflict (409) and
nothing changes. After a write the events go to ``app[ESCALATION_EVENTS]`` observers and
the agents whose load changed to ``app[AGENT_CHANGES]``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TypeVar

from aiohttp import web

from escalation.core.change import (
    ROUTER,
    Change,
    Decide,
    check_path,
    ended,
    offer_moves,
    with_agents,
)
from escalation.core.keys import AGENT_CHANGES, ESCALATION_EVENTS
from escalation.core.states import TERMINAL
from escalation.routing.policy import LoadView
from server.platform.auth.principals import Principal, SessionPrincipal, SitePrincipal
from server.platform.errors import Conflict, Forbidden, NotFound
from server.platform.keys import STORE
from store.base import Store
from store.escalation_models import (
    Escalation,
    EscalationEvent,
    EscalationWrite,
    LoadChange,
    WriteResult,
)
from store.models import Session, utcnow

Kept = TypeVar("Kept")
MUTATE_ATTEMPTS = 8
WRITTEN_KEPT = 4096  # records this node wrote last, kept for their next change here


def _keep(kept: OrderedDict[str, Kept], key: str, value: Kept) -> None:
    kept[key] = value
    kept.move_to_end(key)
    if len(kept) > WRITTEN_KEPT:
        kept.popitem(last=False)


class EscalationWriter:
    def __init__(self, app: web.Application, loads: LoadView) -> None:
        self.app = app
        self.loads = loads  # routing's view of agent loads, kept current by every write
        self._written: OrderedDict[str, Escalation] = OrderedDict()  # see ``mutate``
        # the sessions of those records as this node last wrote them (see ``write``)
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    @property
    def store(self) -> Store:
        return self.app[STORE]

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

    # writing ------------------------------------------------------------------------
    def _remember(self, esc: Escalation, session: Session | None) -> None:
        """The record (and the session, when the write stored one) as this node just
        wrote them, for the next ``mutate`` of it here (an ended one is rarely changed
        again: not kept)."""
        if esc.state in TERMINAL:
            self._written.pop(esc.id, None)
            self._sessions.pop(esc.session_id, None)
            return
        _keep(self._written, esc.id, esc)
        if session is not None:
            _keep(self._sessions, session.id, session)

    async def _session_for(
        self, session_id: str, change: Callable[[Session], Session]
    ) -> tuple[Session | None, Session | None]:
        """The session as ``change`` leaves it (None: no change to store) and, when it
        was decided on this node's copy rather than on a read, that copy: the store
        then refuses the write (``conflict``) unless the stored session is still it,
        and ``mutate`` tries again on fresh reads. A copy that ``change`` leaves as it
        is proves nothing about the stored session: that is decided on a read."""
        known = self._sessions.pop(session_id, None)
        if known is not None:
            changed = change(known)
            if changed is not known:
                return changed, known
        return await self.session_after(session_id, change), None

    async def write(
        self, esc: Escalation, change: Change, actor: str
    ) -> tuple[WriteResult, Escalation, list[EscalationEvent]]:
        """Write ``change`` to ``esc`` as read: ``ok``, ``conflict`` (it changed since)
        or ``full`` (an agent has no room for the load it adds)."""
        path = check_path(esc, change)
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
        loads = change.loads + offer_moves(esc, updated)
        session, previous_session = change.new_session, None
        if change.session_change is not None:
            session, previous_session = await self._session_for(
                esc.session_id, change.session_change
            )
        result = await self.store.write_escalation(
            EscalationWrite(
                escalation=updated,
                expected_seq=esc.seq,
                events=tuple(events),
                loads=loads,
                set_deadlines=change.set_deadlines,
                clear_deadlines=change.clear_deadlines,
                previous_state=esc.state if esc.seq else None,
                session=session,
                previous_session=previous_session,
            )
        )
        if result == "ok":
            self._remember(updated, session)
            self.loads.applied(loads, now)
            await self._publish(updated, events, loads)
        elif result == "full":
            self.loads.forget(c.agent_id for c in loads)
        return result, updated, events

    async def _publish(
        self, esc: Escalation, events: Sequence[EscalationEvent], loads: Sequence[LoadChange]
    ) -> None:
        await self.app[ESCALATION_EVENTS].publish(esc, events)
        # every agent whose load or open offers moved (an accepted offer keeps its
        # units, now as work: the offer's close counts it)
        await self.app[AGENT_CHANGES].publish({c.agent_id for c in loads})

    async def mutate(self, escalation_id: str, actor: str, decide: Decide) -> Escalation | None:
        """Decide on the current record and write it; None when ``decide`` had nothing
        to do. Lost races are retried on the fresh record.

        The first try decides on the record this node last wrote, when it has it,
        without reading it: the write's compare-and-set on seq proves it current (every
        write moves seq on). A refusal or a no-op decided on it is decided again on the
        stored record before it counts."""
        esc = self._written.pop(escalation_id, None)
        remembered = esc is not None
        for _ in range(MUTATE_ATTEMPTS):
            if esc is None:
                esc = await self.get(escalation_id)
            try:
                change = decide(esc)
                if change is not None:
                    check_path(esc, change)
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
            result, updated, _ = await self.write(esc, change, actor)
            if result == "ok":
                return updated
            if result == "full":
                raise Conflict("the agent has no free capacity for these modalities")
            esc, remembered = None, False
        raise Conflict("the escalation kept changing; try again")

    # the session that belongs to the escalation ---------------------------------------
    async def session_after(
        self, session_id: str, change: Callable[[Session], Session]
    ) -> Session | None:
        """The stored session as ``change`` leaves it; None when there is none or the
        change leaves it as it is (``with_agents``, ``ended``)."""
        stored = await self.store.get_session(session_id)
        if stored is None:
            return None
        changed = change(stored)
        return None if changed is stored else changed

    async def update_session(self, session_id: str, change: Callable[[Session], Session]) -> None:
        """``change`` the session on its own (outside an escalation's write)."""
        self._sessions.pop(session_id, None)  # an escalation's write reads it again
        changed = await self.session_after(session_id, change)
        if changed is not None:
            await self.store.update_session(changed)

    async def assign(
        self, session_id: str, add: str | None = None, remove: str | None = None
    ) -> None:
        await self.update_session(session_id, lambda s: with_agents(s, add=add, remove=remove))

    async def end_session(self, esc: Escalation) -> None:
        """Close the session of an escalation that ended outside a decision (expiry)."""
        if esc.state in TERMINAL:
            await self.update_session(esc.session_id, ended)
