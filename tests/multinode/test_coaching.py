"""Coaching a live call (issue #25) over real websockets: raise hand across two nodes,
and the server's enforcement of what a whispering or barging supervisor may send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from server.platform.keys import SESSION_EVENTS, STORE
from signaling import help as help_module
from tests.support.api import bearer, customer_token, login, open_session
from tests.support.escalations import get
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

AUDIO_SENDING = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n"
VIDEO_SENDING = (
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n"
)
LISTENING = (
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=video 9 X 96\r\na=inactive\r\n"
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def offer(to: str, sdp: str) -> dict[str, Any]:
    return {"to": to, "description": {"type": "offer", "sdp": sdp}}


async def test_raise_hand_reaches_a_supervisor_on_the_other_node_and_the_first_answer_wins(
    two_nodes: tuple[RunningServer, RunningServer],
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = two_nodes
    facts: list[tuple[str, str]] = []

    async def record(session_id: str, type_: str, actor: str, data: Any = None) -> None:
        facts.append((type_, actor))

    for node in (a, b):
        monkeypatch.setattr(node.app[SESSION_EVENTS], "record", record)
    session = await open_session(a)
    agent = await SioPeer("/agent").connect(a.url, await login(http, a))
    bruno = await SioPeer("/agent").connect(a.url, await login(http, a, "bruno@demo.coview"))
    sofia = await SioPeer("/agent").connect(b.url, await login(http, b, "sofia@demo.coview"))
    admin = await SioPeer("/agent").connect(
        a.url, await login(http, a, a.config.admin_email, a.config.admin_password)
    )
    try:
        asked = await agent.call("help-request", {"session_id": session.id, "note": "refund?"})
        assert asked["ok"], asked
        seen = await sofia.next("help-requested")  # node B heard node A's request
        assert seen["request_id"] == asked["request_id"]
        assert seen["session_id"] == session.id
        assert seen["agent"] == {"id": "ag_ana", "name": "Ana Souza"}
        assert seen["note"] == "refund?" and "requested_at" in seen and "tenant_id" not in seen
        assert (await admin.next("help-requested"))["request_id"] == asked["request_id"]
        again = await agent.call("help-request", {"session_id": session.id})
        assert again["error"]["code"] == "conflict"  # one open request per session
        assert bruno.pending("help-requested") == 0  # agents are not asked

        answered = await sofia.call("help-answer", {"request_id": asked["request_id"]})
        assert answered["ok"] and answered["session_id"] == session.id
        assert answered["observe_url"] == f"/observe/{session.id}"
        late = await admin.call("help-answer", {"request_id": asked["request_id"]})
        assert late["error"]["code"] == "conflict" and "Sofía" in late["error"]["message"]
        told = await agent.next("help-answered")
        assert told["supervisor"]["id"] == "ag_sofia"
        assert (await admin.next("help-answered"))["supervisor"]["id"] == "ag_sofia"
        assert facts == [("help_requested", "ag_ana"), ("help_answered", "ag_sofia")]
        facts.clear()
        assert (await agent.call("help-request", {"session_id": session.id}))["ok"]  # answered
        assert (await sofia.next("help-requested"))["session_id"] == session.id

        # bad inputs: an error ack each, and nothing happens
        for who, event, payload, code in (
            (agent, "help-request", {"session_id": "s_nope"}, "not-found"),
            (bruno, "help-request", {"session_id": session.id}, "forbidden"),
            (agent, "help-request", {"session_id": 42}, "validation"),
            (agent, "help-request", {"session_id": session.id, "note": "x" * 501}, "validation"),
            (agent, "help-answer", {"request_id": asked["request_id"]}, "forbidden"),
            (sofia, "help-answer", {"request_id": "forged"}, "not-found"),
            (sofia, "help-answer", {}, "validation"),
        ):
            ack = await who.call(event, payload)
            assert ack["error"]["code"] == code, (event, payload, ack)
        assert (await sofia.call("help-answer", {"request_id": "forged"}))["error"]["code"] == (
            "not-found"  # the failed probe left nothing behind
        )
        assert facts == [("help_requested", "ag_ana")]
    finally:
        for peer in (agent, bruno, sofia, admin):
            await peer.close()


async def test_a_supervisor_who_connects_later_is_sent_the_requests_still_open(
    two_nodes: tuple[RunningServer, RunningServer],
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dashboard opened after the agent asked (or still connecting when they did) is
    not told by the live event: the connect snapshot carries it, until it is answered.
    The escalation's record names the open request (agents see it, the customer does
    not), so the snapshot reads no escalation's events."""
    a, b = two_nodes
    ana = await login(http, a)
    payload = {"modalities": ["video"], "context": {"customer": {"name": "Pedro"}}}
    async with http.post(f"{a.url}/api/sessions", json=payload, headers=bearer(ana)) as r:
        assert r.status == 201, await r.text()
        created = (await r.json())["escalation"]
        session_id, escalation_id = created["session_id"], created["id"]
    assert created["help_request_id"] is None
    agent = await SioPeer("/agent").connect(a.url, ana)
    peers = [agent]
    events_read: list[str] = []
    store_b = b.app[STORE]
    list_events = store_b.list_events

    async def counted(escalation_id: str, *args: Any, **kwargs: Any) -> Any:
        events_read.append(escalation_id)
        return await list_events(escalation_id, *args, **kwargs)

    monkeypatch.setattr(store_b, "list_events", counted)
    try:
        asked = await agent.call("help-request", {"session_id": session_id, "note": "refund?"})
        assert asked["ok"], asked
        record = await get(http, a, escalation_id, ana)
        assert record["help_request_id"] == asked["request_id"]
        session = await a.app[STORE].get_session(session_id)
        assert session is not None
        seen = await get(http, a, escalation_id, await customer_token(http, a, session))
        assert seen["id"] == escalation_id and "help_request_id" not in seen  # internal
        sofia = await SioPeer("/agent").connect(b.url, await login(http, b, "sofia@demo.coview"))
        bruno = await SioPeer("/agent").connect(b.url, await login(http, b, "bruno@demo.coview"))
        peers += [sofia, bruno]
        [request] = (await sofia.next("help-open"))["requests"]
        assert request["request_id"] == asked["request_id"]
        assert request["session_id"] == session_id and request["note"] == "refund?"
        assert request["agent"] == {"id": "ag_ana", "name": "Ana Souza"}
        assert request["context"]["customer"] == "Pedro" and "tenant_id" not in request
        assert events_read == []

        assert (await sofia.call("help-answer", {"request_id": asked["request_id"]}))["ok"]
        assert (await get(http, a, escalation_id, ana))["help_request_id"] is None
        admin = await SioPeer("/agent").connect(
            a.url, await login(http, a, a.config.admin_email, a.config.admin_password)
        )
        peers.append(admin)
        assert (await admin.next("help-open")) == {"requests": []}  # answered: not open
        assert bruno.pending("help-open") == 0  # agents are not supervisors
    finally:
        for peer in peers:
            await peer.close()


async def test_an_agent_who_asks_again_replaces_the_request_nobody_answered(
    two_nodes: tuple[RunningServer, RunningServer],
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the re-ask window an unanswered agent may ask again: supervisors get the
    new request, the old one can no longer be answered (one supervisor per request,
    not two for one session), and a dashboard that connects lists the new one only."""
    monkeypatch.setattr(help_module, "REASK_S", 0.3)
    a, b = two_nodes
    ana = await login(http, a)
    async with http.post(
        f"{a.url}/api/sessions", json={"modalities": ["video"]}, headers=bearer(ana)
    ) as r:
        assert r.status == 201, await r.text()
        session_id = (await r.json())["escalation"]["session_id"]
    agent = await SioPeer("/agent").connect(a.url, ana)
    sofia = await SioPeer("/agent").connect(b.url, await login(http, b, "sofia@demo.coview"))
    peers = [agent, sofia]
    try:
        first = await agent.call("help-request", {"session_id": session_id})
        assert first["ok"], first
        assert (await sofia.next("help-requested"))["request_id"] == first["request_id"]
        deadline = asyncio.get_running_loop().time() + 10
        again = await agent.call("help-request", {"session_id": session_id})
        while not again["ok"]:  # until the re-ask window (0.3 s here) has passed
            assert again["error"]["code"] == "conflict", again
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
            again = await agent.call("help-request", {"session_id": session_id})
        assert again["request_id"] != first["request_id"]
        assert (await sofia.next("help-requested"))["request_id"] == again["request_id"]

        stale = await sofia.call("help-answer", {"request_id": first["request_id"]})
        assert stale["error"]["code"] == "conflict", stale
        assert "newer request" in stale["error"]["message"]
        admin = await SioPeer("/agent").connect(
            a.url, await login(http, a, a.config.admin_email, a.config.admin_password)
        )
        peers.append(admin)
        [open_now] = (await admin.next("help-open"))["requests"]
        assert open_now["request_id"] == again["request_id"]
        assert (await sofia.call("help-answer", {"request_id": again["request_id"]}))["ok"]
        assert (await agent.next("help-answered"))["request_id"] == again["request_id"]
    finally:
        for peer in peers:
            await peer.close()


async def test_a_whisperer_sends_audio_to_the_agent_only_and_a_barger_to_everyone(
    server: RunningServer, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts: list[str] = []

    async def record(session_id: str, type_: str, actor: str, data: Any = None) -> None:
        facts.append(type_)

    monkeypatch.setattr(server.app[SESSION_EVENTS], "record", record)
    session = await open_session(server)
    customer = await SioPeer().connect(server.url, await customer_token(http, server, session))
    agent = await SioPeer().connect(server.url, await login(http, server))
    supervisor = await SioPeer().connect(server.url, await login(http, server, "sofia@demo.coview"))
    try:
        me = (await customer.call("join", {"session_id": session.id}))["self"]["id"]
        await agent.call("join", {"session_id": session.id})
        assert (await supervisor.call("join", {"session_id": session.id}))["ok"]
        assert (await supervisor.call("signal", offer("ag_ana", AUDIO_SENDING)))["error"][
            "code"
        ] == "forbidden"  # observing: nothing sends

        assert (await supervisor.call("coach", {"mode": "whisper"})) == {
            "ok": True,
            "mode": "whisper",
        }
        told = await agent.next("coaching")
        assert told["mode"] == "whisper" and told["peer"]["id"] == "ag_sofia"
        assert customer.pending("coaching") == 0  # the customer is not told of a whisper
        assert (await supervisor.call("signal", offer("ag_ana", AUDIO_SENDING))) == {"ok": True}
        refused = await supervisor.call("signal", offer(me, AUDIO_SENDING))
        assert refused["error"]["code"] == "forbidden", refused
        assert "agent only" in refused["error"]["message"]
        assert (await supervisor.call("signal", offer("ag_ana", VIDEO_SENDING)))["error"][
            "code"
        ] == "forbidden"  # a whisper is audio
        answer = {"to": me, "description": {"type": "answer", "sdp": AUDIO_SENDING}}
        assert (await supervisor.call("signal", answer))["error"]["code"] == "forbidden"
        assert (await supervisor.call("signal", offer(me, LISTENING))) == {"ok": True}
        # the customer got only the listening description from the whisperer
        assert (await customer.next("signal"))["description"]["sdp"] == LISTENING
        assert customer.pending("signal") == 0

        # chat whisper: the agent sees it, the customer never does
        sent = await supervisor.call("whisper-chat", {"text": "offer the 10 % coupon"})
        assert sent["ok"] and sent["message"]["internal"] is True
        got = await agent.next("whisper-chat")
        assert (
            got["text"] == "offer the 10 % coupon"
            and got["name"] == "Sofía Martín"
            and got["from"] == "ag_sofia"
        )
        assert (await agent.call("whisper-chat", {"text": "ok"}))["ok"]
        assert (await supervisor.next("whisper-chat"))["text"] == "ok"
        assert customer.pending("whisper-chat") == 0 and customer.pending("chat") == 0

        assert (await supervisor.call("coach", {"mode": "barge"}))["mode"] == "barge"
        assert (await customer.next("coaching"))["mode"] == "barge"
        assert (await supervisor.call("signal", offer(me, VIDEO_SENDING))) == {"ok": True}
        assert (await supervisor.call("coach", {"mode": "observe"}))["mode"] == "observe"
        assert (await supervisor.call("signal", offer(me, AUDIO_SENDING)))["error"][
            "code"
        ] == "forbidden"  # back to observing: receive only again
        assert facts == ["observer_joined", "whisper_started", "barge_started", "barge_ended"]

        for who, event, payload, code in (
            (customer, "coach", {"mode": "barge"}, "forbidden"),
            (agent, "coach", {"mode": "whisper"}, "forbidden"),
            (supervisor, "coach", {"mode": "shout"}, "validation"),
            (supervisor, "coach", "barge", "validation"),
            (customer, "whisper-chat", {"text": "hi"}, "forbidden"),
            (supervisor, "whisper-chat", {"text": ""}, "validation"),
            (supervisor, "whisper-chat", {"text": "x" * 2001}, "validation"),
        ):
            ack = await who.call(event, payload)
            assert ack["error"]["code"] == code, (event, payload, ack)
        assert len(facts) == 4
    finally:
        for peer in (customer, agent, supervisor):
            await peer.close()


async def test_coaching_before_joining_is_refused(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    supervisor = await SioPeer().connect(server.url, await login(http, server, "sofia@demo.coview"))
    try:
        for event, payload in (("coach", {"mode": "whisper"}), ("whisper-chat", {"text": "hi"})):
            assert (await supervisor.call(event, payload))["error"]["code"] == "conflict"
    finally:
        await supervisor.close()
