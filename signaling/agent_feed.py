"""The escalation side of the ``/agent`` Socket.IO feed: subscribed to the events the
escalation core publishes (``app[ESCALATION_EVENTS]``, ``app[AGENT_CHANGES]``).

``offer`` {escalation, expires_at} and ``offer-withdrawn`` {escalation_id, reason} go to
the agent concerned, ``escalation`` {escalation, events} to the agent holding it (and
the one who transferred it away), ``presence`` {status, presence, busy, full, offers,
load, capacity} to an agent whose presence, load or offers changed, and ``queue``
{counts, longest_wait_s} to every agent of the organisation, coalesced to at most one
per ``queue_broadcast_s`` from all nodes together (a lease in the store says whose turn).
Emits go through the Socket.IO manager, so they reach consoles on every node.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from aiohttp import web

from escalation.routing.presence import open_offers, presence_view, queue_summary
from server.platform.keys import CONFIG, SIO, STORE
from signaling.rooms import agent_room, tenant_agents_room
from store.escalation_models import Escalation, EscalationEvent
from store.models import utcnow
from store.outage import OutageLog, cancel_and_wait

log = logging.getLogger("coview.signaling.agent_feed")

NAMESPACE = "/agent"
QUEUE_TURN = "queue-broadcast:"  # + tenant id: the lease of the node whose turn it is
QUEUE_EVENTS = frozenset(
    {"queued", "offered", "accepted", "declined", "offer_expired", "abandoned", "expired"}
    | {"cancelled", "transferred", "offer_withdrawn"}
)


class AgentFeed:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.node_id = "feed_" + secrets.token_hex(6)
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()

    async def _emit(self, event: str, data: dict[str, Any], room: str) -> None:
        await self.app[SIO].emit(event, data, room=room, namespace=NAMESPACE)

    async def observe(self, esc: Escalation, events: Sequence[EscalationEvent]) -> None:
        for ev in events:
            if ev.type == "offered":
                offer = {"escalation": esc.public(), "expires_at": ev.data["expires_at"]}
                await self._emit("offer", offer, agent_room(ev.data["agent_id"]))
            withdrawn = ev.data.get("withdrawn_from")
            if withdrawn:
                gone = {"escalation_id": esc.id, "reason": ev.type}
                await self._emit("offer-withdrawn", gone, agent_room(withdrawn))
        holders = {esc.agent_id} | {
            ev.data.get("from_agent_id") for ev in events if ev.type == "transferred"
        }
        change = {"escalation": esc.public(), "events": [ev.public() for ev in events]}
        for holder in holders - {None}:
            assert holder is not None
            await self._emit("escalation", change, agent_room(holder))
        if any(ev.type in QUEUE_EVENTS for ev in events):
            self._dirty.add(esc.tenant_id)
            self._wake.set()

    async def presence(self, agent_ids: Collection[str]) -> None:
        """Subscribed to ``app[AGENT_CHANGES]``: each agent's new presence view."""
        store = self.app[STORE]
        ids = list(agent_ids)
        loads = await store.get_agent_loads(ids)
        agents = [a for a in [await store.get_agent(i) for i in ids] if a is not None]
        for agent in agents:
            view = presence_view(agent, loads[agent.id])
            await self._emit("presence", view, agent_room(agent.id))

    async def notice(self, agent_id: str, event: str, payload: dict[str, Any]) -> None:
        """Subscribed to ``app[AGENT_NOTICES]``: one agent's message (an expert offer)."""
        await self._emit(event, payload, agent_room(agent_id))

    async def queue_summary(self, tenant_id: str) -> dict[str, Any]:
        return await queue_summary(self.app[STORE], tenant_id)

    async def snapshot(self, agent_id: str) -> list[tuple[str, dict[str, Any]]]:
        """What a console gets on connect: its presence, the queue, its open offers."""
        store = self.app[STORE]
        agent = await store.get_agent(agent_id)
        if agent is None:
            return []
        loads = await store.get_agent_loads([agent_id])
        mine = await open_offers(store, agent, loads[agent_id])
        frames: list[tuple[str, dict[str, Any]]] = [
            ("presence", presence_view(agent, loads[agent_id])),
            ("queue", await self.queue_summary(agent.tenant_id)),
        ]
        for esc in mine:
            if esc.offer_expires_at is not None:
                offer = {"escalation": esc.public(), "expires_at": esc.offer_expires_at.isoformat()}
                frames.append(("offer", offer))
        return frames

    async def _broadcast_loop(self) -> None:
        interval = self.app[CONFIG].queue_broadcast_s
        failures = OutageLog(log, "queue broadcast")
        while True:
            await self._wake.wait()
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            for tenant_id in dirty:
                try:
                    if not await self._take_turn(tenant_id, interval):
                        self._dirty.add(tenant_id)  # after the other node's turn
                        continue
                    summary = await self.queue_summary(tenant_id)
                    await self._emit("queue", summary, tenant_agents_room(tenant_id))
                    failures.passed()
                except Exception as exc:
                    failures.failed(exc)
            if self._dirty:
                self._wake.set()
            await asyncio.sleep(interval)

    async def _take_turn(self, tenant_id: str, interval: float) -> bool:
        """One node broadcasts an organisation's queue per ``interval``, not each node
        that changed it: every broadcast reaches every console of the organisation, so
        N nodes broadcasting would send N times the frames. A node whose turn was taken
        tries again after the interval; the summary is read when sent, so the turn's
        holder sends this node's changes too when it broadcasts after them."""
        store = self.app[STORE]
        return await store.acquire_lease(QUEUE_TURN + tenant_id, self.node_id, utcnow(), interval)

    async def ctx(self, app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(self._broadcast_loop())
        yield
        await cancel_and_wait(task)
