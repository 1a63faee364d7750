"""Attack: a supervisor in whisper mode tries to make the customer hear them (or a
customer tries to read the whisper). The server reads every description a coaching
supervisor signals and refuses any that sends more than the mode allows towards that
peer, however the SDP is dressed up; whisper chat never reaches the customer and is
never stored in the session's record (so no export or webhook can carry it)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login
from tests.support.escalations import act, body, console, create
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

SECRET = "whisper-secret-7f3a"
SNEAKY = [
    # two direction lines: a browser may keep the sending one
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\na=sendrecv\r\n",
    # no direction at all means sendrecv
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n",
    # upper case is not a direction the server recognises: read as sending
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=RECVONLY\r\n",
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\n",
    # a data channel could carry audio samples
    "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=recvonly\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
]


@pytest.mark.parametrize("kind", ["offer", "answer", "pranswer"])
async def test_a_whisperer_cannot_send_media_to_the_customer(
    server: RunningServer, http: aiohttp.ClientSession, kind: str
) -> None:
    ana, feed = await console(http, server, "ana")
    try:
        created = await create(http, server, body(modalities=["video"]))
        await feed.next("offer")
        assert (await act(http, server, created["escalation"]["id"], "accept", ana)).status == 200
    finally:
        await feed.close()
    session_id = created["escalation"]["session_id"]
    customer = await SioPeer().connect(server.url, created["customer"]["token"])
    agent = await SioPeer().connect(server.url, ana)
    sofia = await SioPeer().connect(server.url, await login(http, server, "sofia@demo.coview"))
    try:
        me = (await customer.call("join", {"session_id": session_id}))["self"]["id"]
        await agent.call("join", {"session_id": session_id})
        await sofia.call("join", {"session_id": session_id})
        assert (await sofia.call("coach", {"mode": "whisper"}))["ok"]
        for target in (me, "media"):
            for sdp in SNEAKY:
                signal: dict[str, Any] = {"to": target, "description": {"type": kind, "sdp": sdp}}
                ack = await sofia.call("signal", signal)
                assert ack["error"]["code"] == "forbidden", (target, sdp, ack)
        assert customer.pending("signal") == 0  # nothing reached the customer

        assert (await sofia.call("whisper-chat", {"text": SECRET}))["ok"]
        assert (await agent.next("whisper-chat"))["text"] == SECRET
        assert (await customer.call("whisper-chat", {"text": "let me in"}))["error"]["code"] == (
            "forbidden"
        )
        assert customer.pending("whisper-chat") == 0 and customer.pending("chat") == 0
        # nothing of it in the record that exports and webhooks are made from
        escalation_id = created["escalation"]["id"]
        async with http.get(
            f"{server.url}/api/escalations/{escalation_id}/events", headers=bearer(ana)
        ) as r:
            assert r.status == 200 and SECRET not in await r.text()
        events = await server.app[STORE].list_events(escalation_id)
        assert SECRET not in repr(events)
        assert "whisper_started" in [e.type for e in events]
    finally:
        for peer in (customer, agent, sofia):
            await peer.close()
