"""Who is asked first: the pure ranking behind routing."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import timedelta

from escalation.routing.policy import AgentDirectory, LoadView, can_take, rank_candidates
from escalation.routing.ranking import Ranking, TenantRanking
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


async def test_load_view_follows_announced_loads_newest_only() -> None:
    """Another node's writes arrive as announcements (``seen``), late and interleaved
    with this node's own writes: one older than what the view holds is ignored."""
    store = FakeLoads({"a": AgentLoad("a", {}, NOW, version=3)})
    view = LoadView(store, ttl_s=60)
    await view.of(["a"])
    moved: list[AgentLoad] = []
    view.listeners.append(lambda _, load: moved.append(load))
    view.seen("a", AgentLoad("a", {"video": 1}, None, version=4))  # another node's offer
    assert (await view.of(["a"]))["a"].load == {"video": 1} and len(moved) == 1
    view.applied([LoadChange("a", -1, ("video",))], NOW)  # this node's own: version 5
    view.seen("a", AgentLoad("a", {"video": 1}, None, version=4))  # late: ignored
    view.seen("a", AgentLoad("a", {}, NOW, version=5))  # its own write's announcement
    assert (await view.of(["a"]))["a"].load == {} and len(moved) == 2
    view.seen("b", AgentLoad("b", {"video": 1}, None, version=9))  # not in the view
    assert view.current(["b"]) == {} and store.reads == 1


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


def random_team(rng: random.Random, size: int) -> tuple[list[Agent], dict[str, AgentLoad]]:
    agents, loads = [], {}
    for i in range(size):
        agent_id = f"a{i:02d}"
        agents.append(
            agent(
                agent_id,
                presence=rng.choice(["available", "available", "away"]),
                languages=rng.sample(["es", "en", "pt"], rng.randint(1, 3)),
                skills=rng.sample(["support", "billing"], rng.randint(0, 2)),
                capacity={"video": rng.randint(1, 2), "chat": rng.randint(1, 4)},
                presence_changed_at=NOW - timedelta(seconds=rng.randint(0, 5)),
            )
        )
        held = {u: n for u in ("video", "chat") if (n := rng.choice([0, 0, 1, 2]))}
        if rng.random() < 0.9:
            loads[agent_id] = idle(agent_id, rng.randint(0, 5), **held)
        else:  # one the store has never seen: it answers an empty load
            loads[agent_id] = AgentLoad(agent_id)
    return agents, loads


def random_escalation(rng: random.Random, agents: list[Agent]) -> Escalation:
    ids = [a.id for a in agents]
    return escalation(
        modalities=rng.choice([["video"], ["chat"], ["video", "cobrowse"], ["screen"]]),
        language=rng.choice([None, "es", "pt"]),
        skills=rng.sample(["support", "billing"], rng.randint(0, 1)),
        skills_relaxed=rng.random() < 0.2,
        declined_by=rng.sample(ids, min(len(ids), rng.randint(0, 2))),
        missed_by=rng.sample(ids, min(len(ids), rng.randint(0, 3))),
    )


def test_kept_ranking_asks_agents_in_the_same_order_as_ranking_afresh() -> None:
    """``TenantRanking`` (kept up to date by load changes) against ``rank_candidates``
    (sorted from scratch) on random teams, escalations and changes."""
    rng = random.Random(7)
    for _ in range(200):
        agents, loads = random_team(rng, rng.randint(0, 12))
        ranking = TenantRanking(agents, loads, generation=0)
        for _ in range(5):
            esc = random_escalation(rng, agents)
            expected = [a.id for a in rank_candidates(agents, loads, esc)]
            assert [a.id for a in ranking.candidates(esc)] == expected
            if agents:  # one committed change: someone takes or frees a unit
                moved = rng.choice(agents).id
                held = dict((loads.get(moved) or AgentLoad(moved)).load)
                unit = rng.choice(["video", "chat"])
                held[unit] = max(0, held.get(unit, 0) + rng.choice([-1, 1]))
                held = {u: n for u, n in held.items() if n}
                loads[moved] = AgentLoad(moved, held, None if held else NOW)
                ranking.update(moved, loads[moved])


def test_agents_being_offered_something_here_are_asked_last() -> None:
    agents = [agent("a"), agent("b"), agent("c")]
    loads = {"a": idle("a", 50), "b": idle("b", 40), "c": idle("c", 30)}
    ranking = TenantRanking(agents, loads, generation=0)
    esc = escalation(missed_by=["c"])
    assert [a.id for a in ranking.candidates(esc, offering={"a"})] == ["b", "c", "a"]


def test_a_full_team_gives_no_candidates_without_asking_each_agent() -> None:
    agents = [agent(f"a{i}") for i in range(50)]
    loads = {a.id: idle(a.id, 0, video=1) for a in agents}
    ranking = TenantRanking(agents, loads, generation=0)
    assert ranking.order("video") == []
    assert list(ranking.candidates(escalation())) == []
    ranking.update("a7", idle("a7", 0))  # one finishes their call
    assert [a.id for a in ranking.candidates(escalation())] == ["a7"]


async def test_ranking_follows_the_load_view_and_rebuilds_when_it_forgets() -> None:
    agents = [agent("a"), agent("b")]
    store = FakeLoads({"a": idle("a", 50), "b": idle("b", 5)})

    async def team(tenant_id: str) -> list[Agent]:
        return agents

    view = LoadView(store, ttl_s=60)
    ranking = Ranking(AgentDirectory(team, ttl_s=60), view)
    first = await ranking.of("t1")
    assert [a.id for a in first.candidates(escalation())] == ["a", "b"]
    view.applied([LoadChange("a", 1, ("video",))], NOW)  # a takes a call
    assert [a.id for a in first.candidates(escalation())] == ["b"]
    assert await ranking.of("t1") is first and store.reads == 1
    view.forget(["b"])  # the store said "full": another node gave b a call
    store.loads["b"] = idle("b", 0, video=1)
    rebuilt = await ranking.of("t1")
    assert rebuilt is not first and list(rebuilt.candidates(escalation())) == []


class SlowLoads(FakeLoads):
    """A store read that answers what it held when asked, once ``release`` is set."""

    def __init__(self, loads: dict[str, AgentLoad]) -> None:
        super().__init__(loads)
        self.release = asyncio.Event()

    async def __call__(self, ids: Sequence[str]) -> dict[str, AgentLoad]:
        answer = await super().__call__(ids)
        await self.release.wait()
        return answer


async def test_a_read_overtaken_by_a_committed_change_is_not_kept() -> None:
    store = SlowLoads({"a": idle("a", 5)})
    view = LoadView(store, ttl_s=60)
    reading = asyncio.create_task(view.of(["a"]))
    await asyncio.sleep(0)  # the read is under way, "a" not yet held
    view.applied([LoadChange("a", 1, ("video",))], NOW)  # this node gives a a call
    store.loads["a"] = idle("a", 0, video=1)
    store.release.set()
    held = (await reading)["a"]
    # the read from before the call was dropped and asked again
    assert held.load == {"video": 1} and store.reads == 2


def test_agents_whose_load_is_unknown_are_not_offered_anything() -> None:
    agents = [agent("a"), agent("b")]
    ranking = TenantRanking(agents, {"b": idle("b", 5)}, generation=0)
    assert [a.id for a in ranking.candidates(escalation())] == ["b"]


async def test_routes_finding_the_ranking_out_of_date_together_rebuild_it_once() -> None:
    agents = [agent("a"), agent("b")]
    store = SlowLoads({"a": idle("a", 50), "b": idle("b", 5)})
    store.release.set()

    async def team(tenant_id: str) -> list[Agent]:
        return agents

    view = LoadView(store, ttl_s=60)
    ranking = Ranking(AgentDirectory(team, ttl_s=60), view)
    first = await ranking.of("t1")
    store.release.clear()
    view.forget(["a"])  # a "full": the view asks the store about a again
    routes = [asyncio.create_task(ranking.of("t1")) for _ in range(5)]
    await asyncio.sleep(0)
    store.release.set()
    rebuilt = await asyncio.gather(*routes)
    assert all(r is rebuilt[0] for r in rebuilt) and rebuilt[0] is not first
    assert store.reads == 2  # one for the first ranking, one for the rebuild


def test_public_views_are_copies_of_each_records_own_dump() -> None:
    esc = escalation()
    first = esc.public()
    first["state"] = "tampered"  # a caller that adds or changes a key
    assert esc.public()["state"] == "queued"
    moved = esc.model_copy(update={"state": "offered", "offered_to": "a"})
    assert moved.public()["state"] == "offered" and moved.public()["offered_to"] == "a"
    assert esc.public() == esc.model_dump(mode="json", exclude={"seq"})
    for n in range(100):  # more records than are kept: still each one's own view
        other = esc.model_copy(update={"id": f"e{n}"})
        assert other.public()["id"] == f"e{n}"
