"""ICE for the server peer: explicit servers (aiortc would add a public STUN server
when given none) and, optionally, fixed host addresses.

aioice gathers host candidates from every interface except loopback, so a server
peer reachable only on 127.0.0.1 (tests, a single box behind a TURN server) needs the
addresses given (``COVIEW_MEDIA_HOST_ADDRESSES``). They are gathered on the peer's own
ICE connection before aiortc's gathering runs, which then has nothing left to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiortc import RTCIceServer, RTCPeerConnection


def rtc_ice_servers(servers: Sequence[dict[str, Any]]) -> list[RTCIceServer]:
    return [
        RTCIceServer(
            urls=list(s["urls"]), username=s.get("username"), credential=s.get("credential")
        )
        for s in servers
    ]


async def gather_on_addresses(pc: RTCPeerConnection, addresses: Sequence[str]) -> None:
    """Host candidates on ``addresses`` only, for every ICE transport of ``pc``."""
    if not addresses:
        return
    gatherers = {
        id(g): g for g in (t.sender.transport.transport.iceGatherer for t in pc.getTransceivers())
    }
    for gatherer in gatherers.values():
        connection = gatherer._connection
        if connection._local_candidates_start:
            continue
        connection._local_candidates_start = True
        for component in connection._components:
            connection._local_candidates += await connection.get_component_candidates(
                component=component, addresses=list(addresses)
            )
        connection._local_candidates_end = True
