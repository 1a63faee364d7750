"""The traffic both Redis fault tests run while Redis fails: two nodes, a co-browse
session across them, escalations created steadily through both and agents taking every
offer, and the checks made while Redis is gone and after it is back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.multinode.test_cobrowse_multinode import SNAPSHOT, closed_with
from tests.redis_ha.topology import CoviewNode
from tests.redis_ha.traffic import (
    Ledger,
    act,
    agent_worker,
    create_once,
    create_steadily,
    login,
    outage_probe,
    set_presence,
)
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.sio import SioPeer

# While Redis is unreachable a request that needs it gets its 503 within this (nodes
# run with COVIEW_REDIS_TIMEOUT_S=1; a refused connection fails at once).
OUTAGE_BOUND_S = 2.0
TRY_AGAIN_LATER = 1013  # the co-browse socket's close code while the store is away
CREATES_PER_S = 20
FRAME_WAIT_S = 10.0  # for a co-browse frame: generous, the box running the tests is shared


async def acked(peer: CobrowsePeer, seq: int) -> None:
    while (await peer.next("ack", FRAME_WAIT_S))[0]["seq"] < seq:
        pass


@dataclass
class Scenario:
    http: aiohttp.ClientSession
    nodes: list[CoviewNode]
    ledger: Ledger = field(default_factory=Ledger)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    peers: list[CobrowsePeer] = field(default_factory=list)
    created: dict[str, Any] = field(default_factory=dict)  # the co-browse escalation
    carla: str = ""  # the agent who views the co-browse session
    customer: CobrowsePeer | None = None  # on node A
    viewer: CobrowsePeer | None = None  # on node B
    call: SioPeer | None = None  # the customer's /session socket on node A, not joined
    sockets: list[SioPeer] = field(default_factory=list)

    @property
    def session_id(self) -> str:
        return str(self.created["escalation"]["session_id"])

    async def start(self) -> None:
        """Carla (console on B) takes a co-browse escalation created on A and steps
        away; the customer shares on A, Carla views on B. Then the load: creates
        through both nodes, Ana (feed on B) and Bruno (feed on A) take every offer."""
        http, ledger = self.http, self.ledger
        a, b = self.nodes
        self.carla = await login(http, a, "carla")
        carla_feed = await self._sio("/agent", b, self.carla)
        await set_presence(http, a, self.carla, "available")
        _, self.created = await create_once(http, a, ledger, modalities=["cobrowse"])
        esc_id = self.created["escalation"]["id"]
        await carla_feed.next("offer", FRAME_WAIT_S)  # decided on A, delivered on B via Redis
        assert (await act(http, b, ledger, esc_id, "accept", self.carla)).status == 200
        ledger.accepted[esc_id] = "carla"
        await set_presence(http, b, self.carla, "away")
        self.customer = await self.connect_customer()
        await self.customer.send_events(1, SNAPSHOT, full=True)
        await acked(self.customer, 1)
        self.viewer = await self.connect_viewer()
        self.call = await self._sio("/session", a, self.created["customer"]["token"])

        for who, feed_node in (("ana", b), ("bruno", a)):
            token = await login(http, a, who)
            feed = await self._sio("/agent", feed_node, token)
            await set_presence(http, a, token, "available")
            self.tasks.append(
                asyncio.create_task(agent_worker(http, self.nodes, who, token, feed, ledger))
            )
        self.tasks.append(
            asyncio.create_task(create_steadily(http, self.nodes, ledger, self.stop, CREATES_PER_S))
        )
        await ledger.until_completed(3)

    async def _sio(self, namespace: str, node: CoviewNode, token: str) -> SioPeer:
        peer = await SioPeer(namespace).connect(node.url, token)
        self.sockets.append(peer)
        return peer

    async def connect_customer(self) -> CobrowsePeer:
        customer = await CobrowsePeer.connect(
            self.http, self.nodes[0].url, self.created["customer"]["token"]
        )
        self.peers.append(customer)
        await customer.next("hello", FRAME_WAIT_S)
        return customer

    async def connect_viewer(self) -> CobrowsePeer:
        viewer = await CobrowsePeer.connect(
            self.http, self.nodes[1].url, self.carla, self.session_id
        )
        self.peers.append(viewer)
        return viewer

    async def check_outage(self, load_refusals: int = 0) -> None:
        """While Redis is unreachable: creates get 503 problem+json with Retry-After
        within the bound on both nodes, both ``/readyz`` say not ready, a Socket.IO
        event gets an ``unavailable`` ack, a co-browse batch closes its socket 1013, and
        then ``load_refusals`` more requests of the ongoing load are refused too."""
        ledger = self.ledger
        for node in self.nodes:
            for _ in range(3):
                answer = await outage_probe(self.http, node, ledger)
                assert answer.status == 503, answer
                assert answer.elapsed_s <= OUTAGE_BOUND_S, answer
            assert await node.readyz(self.http) == 503
        assert self.call is not None and self.customer is not None
        ack = await self.call.call("join", {"session_id": self.session_id})
        assert ack["ok"] is False and ack["error"]["code"] == "unavailable", ack
        await self.customer.send_events(2, [{"type": 3, "data": {"text": "refused"}}])
        assert await closed_with(self.customer) == TRY_AGAIN_LATER
        refused = len(ledger.failures())
        await ledger.until(
            lambda x: len(x.failures()) >= refused + load_refusals, "the load meets the outage"
        )

    async def check_recovered(self, checkpoint_seq: int) -> None:
        """Redis is back (the same or a promoted one) and no node was restarted:
        escalations flow across nodes again (offers are Socket.IO emits through Redis),
        the Socket.IO event works, a new viewer resumes from the checkpoint written
        before the outage, and the customer's reconnected socket reaches the viewer
        that stayed on the other node."""
        ledger = self.ledger
        await ledger.until_completed(len(ledger.completed) + 3)
        assert self.call is not None and self.viewer is not None
        assert (await self.call.call("join", {"session_id": self.session_id}))["ok"] is True
        fresh = await self.connect_viewer()
        assert (await fresh.next("checkpoint", FRAME_WAIT_S))[0]["seq"] == checkpoint_seq
        customer = await self.connect_customer()
        await customer.send_events(3, [{"type": 3, "data": {"text": "back"}}])
        await acked(customer, 3)
        for viewer in (self.viewer, fresh):
            header, payload = await viewer.next("events", FRAME_WAIT_S)
            while header["seq"] != 3:
                header, payload = await viewer.next("events", FRAME_WAIT_S)
            assert b"back" in payload

    def assert_failures_fast_503(self) -> None:
        failures = self.ledger.failures()
        assert {f.status for f in failures} <= {503}, failures
        late = [f for f in failures if f.elapsed_s > OUTAGE_BOUND_S]
        assert not late, late

    async def finish(self) -> None:
        """Stops the load and waits for every request in flight to have its answer."""
        self.stop.set()
        await self.ledger.gate.close()

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for peer in self.peers:
            with contextlib.suppress(Exception):
                await peer.close()
        for sio in self.sockets:
            with contextlib.suppress(Exception):
                await sio.close()


@contextlib.asynccontextmanager
async def scenario(nodes: list[CoviewNode]) -> AsyncIterator[Scenario]:
    async with aiohttp.ClientSession() as http:
        running = Scenario(http, nodes)
        try:
            await running.start()
            yield running
        finally:
            await running.close()
