"""Who is asked first: the pure ranking behind routing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from escalation.routing import LoadView, can_take, rank_candidates
from store.escalation_models import AgentLoad, Escalation, LoadChange
from store.models import Agent, utcnow

NOW = utcnow()


def agent(agent_id: str, **fields: object) -> Agent:
    values: dict[str, object] = {
        "id": agent_id,
        "tenant_id": "t1",
        "email": f"{agent_id}@x.test",
        "name": agent_id,
        "password_hash": "-",
        "presence": "available",
        "languages": ["es"],
        "skills": ["support"],
    }
    values.update(fields)
    return Agent.model_validate(values)


def escalation(**fields: object) -> Escalation:
    values: dict[str, object] = {
        "id": "e1",
        "tenant_id": "t1",
        "channel": "web",
        "trigger": "customer",
        "modalities": ["video"],
        "session_id": "s1",
        "state": "queued",
    }
    values.update(fields)
    return Escalation.model_validate(values)


def idle(agent_id: str, seconds_ago: float, **load: int) -> AgentLoad:
    since = None if load else NOW - timedelta(seconds=seconds_ago)
    return AgentLoad(agent_id=agent_id, load=load, idle_since=since)


def test_longest_idle_first_and_busy_agents_after_idle_ones() -> None:
    agents = [agent("a"), agent("b"), agent("c", capacity={"video": 2})]
    loads = {"a": idle("a", 5), "b": idle("b", 50), "c": idle("c", 0, video=1)}
    assert [a.id for a in rank_candidates(agents, loads, escalation())] == ["b", "a", "c"]


def test_agents_who_missed_this_offer_come_last() -> None:
    agents = [agent("a"), agent("b")]
    loads = {"a": idle("a", 50), "b": idle("b", 5)}
    ranked = rank_candidates(agents, loads, escalation(missed_by=["a"]))
    assert [a.id for a in ranked] == ["b", "a"]


def test_who_cannot_take_it() -> None:
    esc = escalation(skills=["billing"], language="pt", declined_by=["d"])
    empty = AgentLoad(agent_id="x")
    fit = agent("x", skills=["billing"], languages=["pt"])
    assert can_take(fit, esc, empty)
    assert not can_take(fit.model_copy(update={"presence": "away"}), esc, empty)
    assert not can_take(agent("x", skills=["billing"]), esc, empty)  # no Portuguese
    assert not can_take(agent("x", languages=["pt"]), esc, empty)  # no billing skill
    assert can_take(
        agent("x", languages=["pt"]), esc.model_copy(update={"skills_relaxed": True}), empty
    )
    assert not can_take(agent("d", skills=["billing"], languages=["pt"]), esc, empty)
    full = AgentLoad(agent_id="x", load={"video": 1})
    assert not can_take(fit, esc, full)
    assert can_take(fit, esc.model_copy(update={"modalities": ["cobrowse"]}), full)
    assert not can_take(fit, esc.model_copy(update={"modalities": ["screen"]}), full)


class FakeLoads:
    """The store's get_agent_loads, counting reads."""

    def __init__(self, loads: dict[str, AgentLoad]) -> None:
        self.loads, self.reads = loads, 0

    async def __call__(self, ids: Sequence[str]) -> dict[str, AgentLoad]:
        self.reads += 1
        return {i: self.loads.get(i) or AgentLoad(i) for i in ids}


async def test_load_view_follows_local_writes_without_rereading() -> None:
    store = FakeLoads({"a": idle("a", 5)})
    view = LoadView(store, ttl_s=60)
    assert (await view.of(["a", "b"]))["a"].idle_since is not None
    view.applied([LoadChange("a", 1, ("video",))], NOW)
    held = (await view.of(["a", "b"]))["a"]
    assert held.load == {"video": 1} and held.idle_since is None
    view.applied([LoadChange("a", -1, ("video",))], NOW)
    freed = (await view.of(["a"]))["a"]
    assert freed.load == {} and freed.idle_since == NOW  # idle again from now, as the store
    assert store.reads == 1


async def test_load_view_rereads_what_it_forgot_and_after_its_ttl() -> None:
    store = FakeLoads({"a": idle("a", 5, video=1)})
    view = LoadView(store, ttl_s=60)
    await view.of(["a"])
    view.forget(["a"])  # e.g. the store answered "full": another node filled the agent
    await view.of(["a"])
    assert store.reads == 2
    expiring = LoadView(store, ttl_s=0)
    await expiring.of(["a"])
    await expiring.of(["a"])
    assert store.reads == 4


def test_sio_packet_binary_check_matches_python_socketio() -> None:
    from socketio import packet as upstream

    from signaling.packet import Packet

    samples: list[object] = [
        {"escalation": {"context": {"cart": {"items": [{"n": 1}]}}}, "events": [1, "x"]},
        ["offer", {"a": [1, {"b": b"\x00"}]}],
        ["chat", bytearray(b"img")],
        [],
        "text",
    ]
    for data in samples:
        assert Packet.data_is_binary(data) == upstream.Packet.data_is_binary(data)


def test_sio_packets_encode_like_python_socketio() -> None:
    """Encoded once up front (orjson: UTF-8, not ``\\u`` escapes), packets that decode to
    the same type, namespace, id and data as the base class's, binary attachments
    included (those take the base class's path, so the very same text)."""
    from socketio import packet as upstream

    from signaling.packet import Packet

    cases: list[tuple[int, object, str | None, int | None]] = [
        (
            upstream.EVENT,
            ["offer", {"escalation": {"id": "e1", "ctx": {"a": [1, 2.5, None]}}}],
            "/agent",
            None,
        ),
        (upstream.ACK, [{"ok": True, "peers": []}], "/session", 7),
        (upstream.EVENT, ["chat", {"img": b"\x89PNG"}], "/chat", None),
        (upstream.EVENT, ["hello", "é"], None, 3),
        (upstream.CONNECT, {"sid": "abc"}, "/session", None),
    ]
    for packet_type, data, namespace, ack_id in cases:
        ours = Packet(packet_type, data, namespace=namespace, id=ack_id)
        theirs = upstream.Packet(packet_type, data, namespace=namespace, id=ack_id)
        assert ours.packet_type == theirs.packet_type
        encoded, expected = ours.encode(), theirs.encode()
        if isinstance(expected, list):
            assert encoded == expected
            continue
        back, sent = (
            upstream.Packet(encoded_packet=encoded),
            upstream.Packet(encoded_packet=expected),
        )
        assert (back.packet_type, back.namespace, back.id, back.data) == (
            sent.packet_type,
            sent.namespace,
            sent.id,
            sent.data,
        )
    assert "é" in Packet(upstream.EVENT, ["hello", "é"]).encode()
    decoded = Packet(encoded_packet='2/agent,["queue",{"counts":{}}]')
    assert decoded.namespace == "/agent" and decoded.data == ["queue", {"counts": {}}]
