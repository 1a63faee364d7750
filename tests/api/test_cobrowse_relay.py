"""/ws/cobrowse on one node: who may connect, relay, masking, checkpoints, control."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from server.platform.keys import SESSION_EVENTS, STORE
from store.models import Session
from tests.support.api import customer_token, invite_for, login
from tests.support.api import open_session as open_store_session
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.harness import RunningServer, make_config, running_server

CARD = "4539 1488 0343 6467"
SNAPSHOT = [
    {"type": 4, "data": {"href": "http://shop/", "width": 800, "height": 600}},
    {"type": 2, "data": {"node": {"id": 1, "type": 0, "childNodes": []}}},
]


def text_event(text: str, node: int = 7) -> dict[str, Any]:
    return {"type": 3, "timestamp": 1700000000001, "data": {"source": 5, "id": node, "text": text}}


@dataclass
class Recorded:
    facts: list[tuple[str, str, str, dict[str, Any] | None]]

    async def record(
        self, session_id: str, type: str, actor: str, data: dict[str, Any] | None = None
    ) -> None:
        self.facts.append((session_id, type, actor, data))


@dataclass
class Setup:
    server: RunningServer
    http: aiohttp.ClientSession
    session: Session
    facts: Recorded

    async def customer(self) -> CobrowsePeer:
        token = await customer_token(self.http, self.server, self.session)
        peer = await CobrowsePeer.connect(self.http, self.server.url, token)
        await peer.next("hello")
        return peer

    async def agent(self, email: str = "ana@demo.coview") -> CobrowsePeer:
        token = await login(self.http, self.server, email)
        peer = await CobrowsePeer.connect(self.http, self.server.url, token, self.session.id)
        await peer.next("hello")
        return peer


@pytest.fixture
async def cb(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Setup]:
    facts = Recorded([])
    monkeypatch.setattr(server.app[SESSION_EVENTS], "record", facts.record)
    async with aiohttp.ClientSession() as http:
        yield Setup(server, http, await open_store_session(server), facts)


async def test_customer_batches_reach_the_agent_and_are_acked_cumulatively(cb: Setup) -> None:
    customer, agent = await cb.customer(), await cb.agent()
    await customer.send_events(1, [text_event("hello")])
    await customer.send_events(2, [text_event("again")])
    assert (await customer.next("ack"))[0] == {"t": "ack", "seq": 2}  # one ack for both
    header, payload = await agent.next("events")
    assert header == {"t": "events", "seq": 1}
    assert json.loads(payload) == [text_event("hello")]


async def test_any_valid_events_header_relays_like_the_widgets_own(cb: Setup) -> None:
    """The widget's exact header takes a JSON-free path; other spellings of the same
    header (key order, spacing, ``"full": false``) take the general one, same result."""
    customer, agent = await cb.customer(), await cb.agent()
    await customer.ws.send_bytes(
        b'{"seq": 1, "t": "events"}\n' + json.dumps([text_event("a")]).encode()
    )
    await customer.ws.send_bytes(
        b'{"t":"events","seq":2,"full":false}\n' + json.dumps([text_event(CARD)]).encode()
    )
    await customer.send_events(3, [text_event("c")])
    relayed = [await agent.next("events") for _ in range(3)]
    assert [h for h, _ in relayed] == [{"t": "events", "seq": n} for n in (1, 2, 3)]
    assert b"4539" not in relayed[1][1] and json.loads(relayed[2][1]) == [text_event("c")]


async def test_card_number_is_masked_before_relay_and_in_the_checkpoint(cb: Setup) -> None:
    customer, agent = await cb.customer(), await cb.agent()
    await customer.send_events(1, SNAPSHOT, full=True)
    await customer.send_events(2, [text_event(CARD)])
    _, payload = await agent.next("events")
    _, payload = await agent.next("events")
    assert b"4539" not in payload and b"6467" not in payload
    late = await cb.agent()
    _, checkpoint = await late.next("checkpoint")
    assert b"4539" not in checkpoint and b"*" * 4 in checkpoint


async def test_late_viewer_gets_checkpoint_without_customer_round_trip(cb: Setup) -> None:
    customer = await cb.customer()
    await customer.send_events(1, SNAPSHOT, full=True)
    await customer.send_events(2, [text_event("typed")])
    await customer.acked(2)
    agent = await cb.agent()
    header, payload = await agent.next("checkpoint")
    assert header == {"t": "checkpoint", "seq": 2}
    assert json.loads(payload) == [*SNAPSHOT, text_event("typed")]
    assert not [h for h, _ in customer.seen if h["t"] == "snapshot-request"]


async def test_viewer_without_checkpoint_asks_the_customer_for_a_snapshot(cb: Setup) -> None:
    customer = await cb.customer()
    await cb.agent()
    assert (await customer.next("snapshot-request"))[0] == {"t": "snapshot-request"}


async def test_supervisor_and_observer_invitees_watch_but_cannot_point(cb: Setup) -> None:
    customer = await cb.customer()
    await customer.send_events(1, SNAPSHOT, full=True)
    await customer.next("ack")
    sofia = await cb.agent("sofia@demo.coview")
    assert sofia.seen[0][0]["role"] == "observer"
    await sofia.next("checkpoint")
    await sofia.send({"t": "pointer", "x": 1, "y": 2})
    assert (await sofia.next("error"))[0]["code"] == "forbidden"
    invite = await invite_for(cb.server, cb.session, "observer")
    async with cb.http.post(f"{cb.server.url}/api/join", json={"invite": invite.id}) as r:
        token = (await r.json())["token"]
    observer = await CobrowsePeer.connect(cb.http, cb.server.url, token)
    assert (await observer.next("hello"))[0]["role"] == "observer"
    await observer.next("checkpoint")


async def test_unassigned_agent_and_bad_tokens_are_refused(cb: Setup) -> None:
    token = await login(cb.http, cb.server, "bruno@demo.coview")
    url = cb.server.url.replace("http", "ws") + "/ws/cobrowse"
    for params, status in [
        ({"token": token, "session_id": cb.session.id}, 403),
        ({"token": token, "session_id": "nope"}, 404),
        ({"token": "x.y.z"}, 401),
        ({}, 401),
    ]:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await cb.http.ws_connect(url, params=params)
        assert info.value.status == status


async def test_oversize_batches_get_an_error_and_the_socket_stays_open(
    tmp_path: Any,
) -> None:
    config = make_config(
        tmp_path, cobrowse_max_batch_bytes=1_000, cobrowse_max_snapshot_bytes=5_000
    )
    async with running_server(config) as server, aiohttp.ClientSession() as http:
        setup = Setup(server, http, await open_store_session(server), Recorded([]))
        customer = await setup.customer()
        await customer.send_events(1, [text_event("x" * 2_000)])
        header, _ = await customer.next("error")
        assert header["code"] == "payload-too-large" and header["seq"] == 1
        await customer.send_events(2, [*SNAPSHOT, text_event("x" * 2_000)], full=True)
        assert (await customer.next("ack"))[0]["seq"] == 2  # snapshots have a larger limit
        await customer.send_events(3, [text_event("x" * 6_000)], full=True)
        assert (await customer.next("error"))[0]["code"] == "payload-too-large"
        await customer.send_events(4, [text_event("ok")])
        assert (await customer.next("ack"))[0]["seq"] == 4


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"not json\n[]", "bad-request"),
        (b'{"no_t":1}', "bad-request"),
        (b'{"t":"events"}\n[]', "bad-request"),
        (b'{"t":"events","seq":"1"}\n[]', "bad-request"),
        (b'{"t":"events","seq":-1}\n[]', "bad-request"),
        (b'{"t":"events","seq":true}\n[]', "bad-request"),
        (b'{"t":"events","seq":1,"full":"yes"}\n[]', "bad-request"),
        (b'{"t":"events","seq":1,"extra":0}\n[]', "bad-request"),
        (b'{"t":"events","seq":1}\n{"a":1}', "bad-request"),
        (b'{"t":"events","seq":1}\nnot json ' + CARD.encode(), "bad-request"),
        (b'{"t":"pointer","x":1,"y":1}', "forbidden"),
        (b'{"t":"control-grant"}', "conflict"),
    ],
)
async def test_bad_customer_frames_get_an_error_frame(cb: Setup, frame: bytes, code: str) -> None:
    customer = await cb.customer()
    await customer.ws.send_bytes(frame)
    assert (await customer.next("error"))[0]["code"] == code
    await customer.send_events(9, [])
    assert (await customer.next("ack"))[0]["seq"] == 9


async def test_agent_tools_reach_the_customer(cb: Setup) -> None:
    customer, agent = await cb.customer(), await cb.agent()
    await agent.send({"t": "pointer", "x": 10, "y": 20.5})
    assert (await customer.next("pointer"))[0] == {
        "t": "pointer",
        "x": 10,
        "y": 20.5,
        "from": "ag_ana",
        "name": "Ana Souza",
    }
    await agent.send({"t": "highlight", "node_id": 5})
    assert (await customer.next("highlight"))[0]["node_id"] == 5
    await agent.send({"t": "draw", "points": [[1, 2], [3, 4]]})
    assert (await customer.next("draw"))[0]["points"] == [[1, 2], [3, 4]]
    await agent.send({"t": "guide", "node_id": 9})
    assert (await customer.next("guide"))[0]["node_id"] == 9
    await agent.send({"t": "pointer", "x": "left"})
    assert (await agent.next("error"))[0]["code"] == "validation"


async def test_one_customer_tab_shares_at_a_time(cb: Setup) -> None:
    first = await cb.customer()
    await first.send_events(1, SNAPSHOT, full=True)
    await first.acked(1)
    agent = await cb.agent()
    await agent.next("checkpoint")
    second = await cb.customer()  # the customer opens the shop in another tab
    await first.next("paused")
    await first.send_events(2, [text_event("typed in the old tab")])
    await second.send_events(1, SNAPSHOT, full=True)
    header, payload = await agent.next("events")
    assert header.get("full") is True and b"old tab" not in payload
    await agent.send({"t": "pointer", "x": 1, "y": 2})
    assert (await second.next("pointer"))[0]["x"] == 1

    await first.send({"t": "resume"})  # back to the first tab
    await second.next("paused")
    await first.next("snapshot-request")
    await agent.send({"t": "pointer", "x": 3, "y": 4})
    assert (await first.next("pointer"))[0]["x"] == 3  # it never got the one at x=1


async def test_input_is_dropped_until_control_is_granted_and_after_revoke(cb: Setup) -> None:
    customer, agent = await cb.customer(), await cb.agent()
    click = {"t": "input", "kind": "click", "node_id": 12}
    await agent.send(click)
    assert (await agent.next("error"))[0]["code"] == "forbidden"

    await agent.send({"t": "control-request"})
    request, _ = await customer.next("control-request")
    assert request["agent"] == {"id": "ag_ana", "name": request["agent"]["name"]}
    shown = {"text": "Ana asks to control this page", "lang": "en"}
    await customer.send({"t": "control-decline", **shown})
    assert (await agent.next("control-decline"))[0]["agent_id"] == "ag_ana"
    await agent.send(click)
    assert (await agent.next("error"))[0]["code"] == "forbidden"

    await agent.send({"t": "control-request"})
    await customer.next("control-request")
    await customer.send({"t": "control-grant", **shown})
    assert (await agent.next("control-grant"))[0]["agent_id"] == "ag_ana"
    await agent.send(click)
    assert (await customer.next("input"))[0] == {**click, "from": "ag_ana"}

    await customer.send({"t": "control-revoke"})
    await agent.next("control-revoke")
    await agent.send(click)
    assert (await agent.next("error"))[0]["code"] == "forbidden"
    assert not [h for h, _ in customer.seen if h["t"] == "input"][1:]
    kinds = [(f[1], f[2], f[3]) for f in cb.facts.facts]
    customer_id = kinds[0][1]
    assert [k for k in kinds if k[0] != "consent"] == [
        ("control_granted", customer_id, {"agent_id": "ag_ana"}),
        ("control_revoked", customer_id, {"agent_id": "ag_ana"}),
    ]
    # Each answer is on record, with the prompt as the customer saw it.
    consents = await cb.server.app[STORE].list_consents(cb.session.id)
    assert [(c.kind, c.decision, c.participant_id) for c in consents] == [
        ("control", "refused", customer_id),
        ("control", "granted", customer_id),
        ("control", "withdrawn", customer_id),
    ]
    assert [(c.text, c.lang) for c in consents[:2]] == [(shown["text"], "en")] * 2


async def test_customer_is_asked_for_a_fresh_snapshot_after_many_batches(
    tmp_path: Any,
) -> None:
    config = make_config(tmp_path, cobrowse_snapshot_every_batches=3)
    async with running_server(config) as server, aiohttp.ClientSession() as http:
        setup = Setup(server, http, await open_store_session(server), Recorded([]))
        customer = await setup.customer()
        await customer.send_events(1, SNAPSHOT, full=True)
        for seq in (2, 3):
            await customer.send_events(seq, [text_event("a")])
        await customer.acked(3)
        assert not [h for h, _ in customer.seen if h["t"] == "snapshot-request"]
        await customer.send_events(4, [text_event("b")])
        await customer.next("snapshot-request")


async def test_customer_is_asked_for_a_fresh_snapshot_when_the_checkpoint_grows_big(
    tmp_path: Any,
) -> None:
    config = make_config(tmp_path, cobrowse_snapshot_every_bytes=2_000)
    async with running_server(config) as server, aiohttp.ClientSession() as http:
        setup = Setup(server, http, await open_store_session(server), Recorded([]))
        customer = await setup.customer()
        await customer.send_events(1, SNAPSHOT, full=True)
        await customer.send_events(2, [text_event("a" * 1_000)])
        await customer.acked(2)
        assert not [h for h, _ in customer.seen if h["t"] == "snapshot-request"]
        await customer.send_events(3, [text_event("b" * 1_000)])
        await customer.next("snapshot-request")


async def test_control_ends_when_the_agent_in_control_leaves(cb: Setup) -> None:
    customer, agent = await cb.customer(), await cb.agent()
    await agent.send({"t": "control-request"})
    await customer.next("control-request")
    await customer.send({"t": "control-grant"})
    await customer.next("control-grant")
    await agent.close()
    assert (await customer.next("control-revoke"))[0]["agent_id"] == "ag_ana"
    assert [f[1:3] for f in cb.facts.facts][-1] == ("control_revoked", "ag_ana")
    again = await cb.agent()
    assert again.seen[0][0]["control"] is None
