"""This node's co-browse sockets, by session, and the delivery of bus frames to them."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

from aiohttp import web

from cobrowse.acks import AckFlusher
from cobrowse.bus import END, PUBLISHER, TO_CUSTOMER, TO_VIEWERS, Bus
from cobrowse.recording import Recorder

log = logging.getLogger("coview.cobrowse")

# WebSocket close code of a co-browse socket whose session ended (docs/protocol.md).
SESSION_ENDED = 4001
# WebSocket close code 1012 "service restart": this node is shutting down, reconnect
# (through the load balancer, to another node) at once (docs/protocol.md "Draining").
DRAINING = 1012
PAUSED_FRAME = b'{"t":"paused"}'

Role = str  # "customer" | "agent" | "observer" | "participant"


@dataclass(eq=False)
class Conn:
    """One socket: who is on it and, for a viewer, whether its checkpoint went out."""

    ws: web.WebSocketResponse
    session_id: str
    role: Role
    peer_id: str
    name: str
    ready: bool = True  # a viewer is not ready until it has its checkpoint
    pending: list[bytes] = field(default_factory=list)
    snapshot_at: float = 0.0  # customer: when its last full snapshot arrived
    bytes_since_snapshot: int = 0  # customer: size of the batches kept since then
    snapshot_requested: bool = False
    recorder: Recorder | None = None  # customer: set while recording is consented
    # customer: one tab shares at a time; the others are paused (see Hub.deliver)
    conn_id: str = field(default_factory=lambda: secrets.token_hex(6))
    paused: bool = False

    @property
    def is_customer(self) -> bool:
        return self.role == "customer"

    async def send(self, frame: bytes) -> None:
        if self.ws.closed:
            return
        # Not contextlib.suppress: this runs for every frame relayed.
        try:  # noqa: SIM105
            await self.ws.send_bytes(frame)
        except (ConnectionError, RuntimeError):
            pass


@dataclass
class Room:
    customers: set[Conn] = field(default_factory=set)
    viewers: set[Conn] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.customers or self.viewers)


class Hub:
    def __init__(self, bus: Bus, ack_interval_s: float) -> None:
        self.bus = bus
        self.acks = AckFlusher(ack_interval_s)
        self.rooms: dict[str, Room] = {}
        self._closing: set[asyncio.Task[bool]] = set()

    async def start(self) -> None:
        await self.bus.start(self.deliver)
        self.acks.start()

    async def stop(self) -> None:
        await self.acks.stop()
        await self.bus.stop()

    async def join(self, conn: Conn) -> None:
        room = self.rooms.get(conn.session_id)
        if room is None:
            room = self.rooms[conn.session_id] = Room()
            await self.bus.subscribe(conn.session_id)
        (room.customers if conn.is_customer else room.viewers).add(conn)

    async def leave(self, conn: Conn) -> None:
        self.acks.forget(conn)
        room = self.rooms.get(conn.session_id)
        if room is None:
            return
        room.customers.discard(conn)
        room.viewers.discard(conn)
        if not room:
            del self.rooms[conn.session_id]
            await self.bus.unsubscribe(conn.session_id)

    async def drain(self) -> int:
        """Close every socket on this node with ``DRAINING``; the number closed."""
        conns = [c for room in self.rooms.values() for c in (*room.customers, *room.viewers)]
        await asyncio.gather(
            *(c.ws.close(code=DRAINING, message=b"draining") for c in conns),
            return_exceptions=True,
        )
        return len(conns)

    def local_viewers(self, session_id: str) -> int:
        room = self.rooms.get(session_id)
        return len(room.viewers) if room else 0

    async def deliver(self, session_id: str, audience: bytes, frame: bytes) -> None:
        room = self.rooms.get(session_id)
        if room is None:
            return
        if audience == TO_VIEWERS:
            for conn in list(room.viewers):
                if conn.ready:
                    await conn.send(frame)
                else:
                    conn.pending.append(frame)
        elif audience == TO_CUSTOMER:  # the sharing tab: node ids are of its page
            for conn in list(room.customers):
                if not conn.paused:
                    await conn.send(frame)
        elif audience == PUBLISHER:
            # The customer's newest or last focused tab shares; every other tab of the
            # session, on any node, pauses (its batches are dropped until it resumes).
            sharing = frame.decode()
            for conn in list(room.customers):
                pause = conn.conn_id != sharing
                if pause and not conn.paused:
                    await conn.send(PAUSED_FRAME)
                conn.paused = pause
        elif audience == END:
            for conn in [*room.customers, *room.viewers]:
                await conn.send(frame)
                # Not awaited here: closing waits for the socket's handler to finish,
                # whose clean-up (leaving the room, unsubscribing) needs this bus.
                task = asyncio.create_task(conn.ws.close(code=SESSION_ENDED, message=b"ended"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
