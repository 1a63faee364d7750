"""Graceful shutdown of the sockets (SIGTERM; docs/protocol.md "Draining"): the node has
already stopped listening (aiohttp stops its sites before ``on_shutdown``); every
Socket.IO client here gets ``draining`` and reconnects, through the load balancer, to
another node; whoever is still here after ``DRAIN_GRACE_S`` has its transport closed,
which the clients also treat as "reconnect"."""

from __future__ import annotations

import asyncio
import logging
import time

import socketio

from signaling.managers import DirectManager

log = logging.getLogger("coview.signaling.drain")

DRAINING = "draining"
DRAIN_GRACE_S = 1.0  # how long clients have to leave by themselves
NAMESPACES = ("/session", "/agent", "/chat")


async def drain(sio: socketio.AsyncServer) -> int:
    """Tell this node's clients to go; close what remains. The number of sockets told."""
    told = len(sio.eio.sockets)
    log.info("draining %d socket(s)", told)
    manager: DirectManager = sio.manager
    for namespace in NAMESPACES:
        await manager.emit_local(DRAINING, {"reason": "shutdown"}, namespace)
    deadline = time.monotonic() + DRAIN_GRACE_S
    while sio.eio.sockets and time.monotonic() < deadline:  # noqa: ASYNC110 (no event per socket)
        await asyncio.sleep(0.05)  # clients leaving: no event to await per socket
    for eio_sid in list(sio.eio.sockets):
        # An engine.io close, not a Socket.IO disconnect: clients reconnect on it.
        await sio.eio.disconnect(eio_sid)
    if told:
        log.info("drained %d socket(s)", told)
    return told
