"""Consent records over HTTP and the call socket, on both stores: every answer is kept
with the text shown and its language before anything depends on it, a customer who
withdraws their recording consent stops the recording at once, and what was recorded
is encrypted at rest and plays through its link."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import av
import pytest

from server.platform.keys import STORE
from signaling.keys import SESSION_NS
from store.models import Session
from tests.support.api import bearer, customer_token, invite_for, login, open_session, problem
from tests.support.harness import RunningServer
from tests.support.privacy_helpers import WEBM, http, listed_url, node, vp8_frames
from tests.support.sio import SioPeer

__all__ = ["http", "node"]
SHOWN = "Use your camera and microphone?\nThe agent will see and hear you during the call."


def consents_url(node: RunningServer, session: Session) -> str:
    return f"{node.url}/api/sessions/{session.id}/consents"


async def test_widget_answers_are_kept_and_shown_to_the_sessions_agents(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(node)
    token = await customer_token(http, node, session)
    for kind, decision in [("camera", "granted"), ("cobrowse", "refused")]:
        body = {"kind": kind, "decision": decision, "text": SHOWN, "lang": "en"}
        async with http.post(consents_url(node, session), json=body, headers=bearer(token)) as r:
            assert r.status == 201, await r.text()
            created = (await r.json())["consent"]
        assert created["kind"] == kind and created["participant_role"] == "customer"

    for email in ("ana@demo.coview", "sofia@demo.coview"):  # assigned agent, supervisor
        agent = await login(http, node, email)
        async with http.get(consents_url(node, session), headers=bearer(agent)) as r:
            listed = (await r.json())["consents"]
        assert [(c["kind"], c["decision"], c["text"], c["lang"]) for c in listed] == [
            ("camera", "granted", SHOWN, "en"),
            ("cobrowse", "refused", SHOWN, "en"),
        ]
        assert listed[0]["session_id"] == session.id and listed[0]["at"]
    bruno = await login(http, node, "bruno@demo.coview")  # not assigned to the session
    async with http.get(consents_url(node, session), headers=bearer(bruno)) as r:
        await problem(r, 403)
    async with http.get(consents_url(node, session), headers=bearer(token)) as r:
        await problem(r, 403)  # a customer does not list them


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "microphone", "decision": "granted", "text": "x", "lang": "en"}, 422),
        ({"kind": "camera", "decision": "maybe", "text": "x", "lang": "en"}, 422),
        ({"kind": "camera", "decision": "granted", "text": "", "lang": "en"}, 422),
        ({"kind": "camera", "decision": "granted", "text": "x" * 4001, "lang": "en"}, 422),
        ({"kind": "camera", "decision": "granted", "text": "x"}, 422),
        ({"kind": "camera", "decision": "granted", "text": "x", "lang": "en", "n": 1}, 422),
    ],
)
async def test_bad_answers_are_refused_and_change_nothing(
    server: RunningServer, http: aiohttp.ClientSession, body: dict[str, Any], status: int
) -> None:
    session = await open_session(server)
    token = await customer_token(http, server, session)
    async with http.post(consents_url(server, session), json=body, headers=bearer(token)) as r:
        await problem(r, status)
    assert await server.app[STORE].list_consents(session.id) == []


async def test_only_the_sessions_own_participants_answer(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session, other = await open_session(server), await open_session(server)
    token = await customer_token(http, server, other)
    body = {"kind": "camera", "decision": "granted", "text": SHOWN, "lang": "en"}
    async with http.post(consents_url(server, session), json=body, headers=bearer(token)) as r:
        await problem(r, 403)
    invite = await invite_for(server, session, "observer")
    async with http.post(f"{server.url}/api/join", json={"invite": invite.id}) as r:
        observer = (await r.json())["token"]
    async with http.post(consents_url(server, session), json=body, headers=bearer(observer)) as r:
        await problem(r, 403)
    agent = await login(http, server)
    async with http.post(consents_url(server, session), json=body, headers=bearer(agent)) as r:
        await problem(r, 403)
    async with http.post(consents_url(server, session), json=body) as r:
        await problem(r, 401)
    assert await server.app[STORE].list_consents(session.id) == []


async def test_recording_starts_after_its_consent_record_and_stops_when_withdrawn(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(node)
    customer = await SioPeer().connect(node.url, await customer_token(http, node, session))
    agent = await SioPeer().connect(node.url, await login(http, node))
    try:
        await customer.call("join", {"session_id": session.id})
        await agent.call("join", {"session_id": session.id})
        store, media = node.app[STORE], node.app[SESSION_NS].media

        await agent.call("recording-start")
        await customer.next("recording-consent")
        refused = await customer.call(
            "recording-consent", {"granted": False, "text": "Record?", "lang": "es"}
        )
        assert refused["state"] == "declined" and media.get(session.id) is None

        await agent.call("recording-start")
        await customer.next("recording-consent")
        shown = {"text": "The agent would like to record this call.", "lang": "en"}
        assert (await customer.call("recording-consent", {"granted": True, **shown}))["ok"]
        running = media.get(session.id)
        assert running is not None and running.recording
        assert [(c.kind, c.decision) for c in await store.list_consents(session.id)] == [
            ("recording", "refused"),
            ("recording", "granted"),
        ]

        frames = vp8_frames(30)  # what the customer's camera sends meanwhile
        for n, frame in enumerate(frames):
            for peer_id in running.participants:
                running._on_frame(peer_id, "video", frame, n * 3_000)
        ack = await customer.call("recording-consent", {"granted": False, "text": "Stop"})
        assert ack == {"ok": True, "state": "stopped"}
        assert not running.recording
        assert all(p.writer is None for p in running.participants.values())  # files ended
        for frame in frames:  # after the withdrawal nothing more is written
            for peer_id in running.participants:
                running._on_frame(peer_id, "video", frame, 0)
        while (stopped := await agent.next("recording"))["state"] != "stopped":
            pass
        assert stopped["reason"] == "withdrawn"
        records = await store.list_consents(session.id)
        assert [(c.decision, c.participant_role) for c in records][-1] == (
            "withdrawn",
            "customer",
        )
        assert (records[1].text, records[1].lang) == (shown["text"], "en")
        again = await customer.call("recording-consent", {"granted": False})
        assert again["error"]["code"] == "conflict"  # nothing left to withdraw
        assert len(await store.list_consents(session.id)) == 3

        # The file is encrypted at rest and plays, decrypted, through its link.
        library = media.library
        (info,) = [r for r in library.list_recordings(session.id) if r.role == "customer"]
        assert info.video_frames == len(frames)
        assert WEBM[:4] not in library.recording_path(session.id, info.id).read_bytes()
        async with http.get(await listed_url(http, node, info.id)) as r:
            played = await r.read()
        assert played[:4] == WEBM[:4]
        with av.open(io.BytesIO(played)) as container:
            assert sum(1 for _ in container.decode(video=0)) == len(frames)
    finally:
        await customer.close()
        await agent.close()
