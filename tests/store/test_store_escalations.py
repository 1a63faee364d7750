"""The escalation part of the store contract: every test runs on SQLite and on Redis."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from store.base import Store
from store.escalation_models import (
    Deadline,
    Escalation,
    EscalationEvent,
    EscalationWrite,
    LoadChange,
    State,
)
from store.models import Session, utcnow

CAPACITY = {"chat": 4, "video": 1, "cobrowse": 2}


def make_escalation(esc_id: str = "esc1", **fields: object) -> Escalation:
    values: dict[str, object] = {
        "id": esc_id,
        "tenant_id": "t1",
        "channel": "web",
        "trigger": "customer",
        "modalities": ["video"],
        "session_id": "s_" + esc_id,
    }
    values.update(fields)
    return Escalation.model_validate(values)


def event(esc: Escalation, seq: int, type_: str) -> EscalationEvent:
    return EscalationEvent(
        id=f"{esc.id}-{seq}", escalation_id=esc.id, seq=seq, type=type_, actor="test"
    )


async def create(store: Store, esc: Escalation, state: State = "queued") -> Escalation:
    created = esc.model_copy(update={"state": state, "seq": 2, "queued_at": utcnow()})
    result = await store.write_escalation(
        EscalationWrite(
            escalation=created,
            expected_seq=0,
            events=(event(esc, 1, "requested"), event(esc, 2, state)),
        )
    )
    assert result == "ok"
    return created


async def move(
    store: Store, esc: Escalation, state: State, *loads: LoadChange, **fields: object
) -> tuple[str, Escalation]:
    updated = esc.model_copy(update={"state": state, "seq": esc.seq + 1, **fields})
    result = await store.write_escalation(
        EscalationWrite(
            escalation=updated,
            expected_seq=esc.seq,
            events=(event(esc, esc.seq + 1, state),),
            loads=loads,
            previous_state=esc.state,
        )
    )
    return result, updated


async def test_created_escalation_reads_back_with_its_events(store: Store) -> None:
    esc = await create(store, make_escalation())
    assert await store.get_escalation("esc1") == esc
    events = await store.list_events("esc1")
    assert [(e.seq, e.type) for e in events] == [(1, "requested"), (2, "queued")]
    assert [e.seq for e in await store.list_events("esc1", after_seq=1)] == [2]
    assert await store.get_escalation("nope") is None
    assert await store.list_events("nope") == []


async def test_creating_the_same_id_twice_conflicts(store: Store) -> None:
    await create(store, make_escalation())
    again = make_escalation().model_copy(update={"seq": 1})
    result = await store.write_escalation(
        EscalationWrite(escalation=again, expected_seq=0, events=(event(again, 1, "requested"),))
    )
    assert result == "conflict"
    assert len(await store.list_events("esc1")) == 2


async def test_stale_seq_conflicts_and_changes_nothing(store: Store) -> None:
    esc = await create(store, make_escalation())
    result, _ = await move(store, esc.model_copy(update={"seq": 1}), "offered")
    assert result == "conflict"
    stored = await store.get_escalation("esc1")
    assert stored is not None and stored.state == "queued"
    assert len(await store.list_events("esc1")) == 2


async def test_a_stale_write_to_a_full_agent_is_a_conflict_and_leaves_the_events(
    store: Store,
) -> None:
    """Stale beats full (the caller re-decides on the stored record rather than
    forgetting an agent), and a refused write leaves the events list as it was."""
    esc = await create(store, make_escalation())
    other = await create(store, make_escalation("esc2"))
    video = LoadChange("ag1", 1, ("video",), CAPACITY)
    assert (await move(store, other, "offered", video))[0] == "ok"  # ag1's one video unit
    stale = esc.model_copy(update={"seq": 1})
    assert (await move(store, stale, "offered", video))[0] == "conflict"
    assert (await move(store, esc, "offered", video))[0] == "full"
    assert [e.seq for e in await store.list_events("esc1")] == [1, 2]
    assert (await store.get_agent_loads(["ag1"]))["ag1"].load.get("video") == 1
    assert (await move(store, esc, "offered"))[0] == "ok"  # the version did not move
    assert [e.seq for e in await store.list_events("esc1")] == [1, 2, 3]


async def test_open_offers_are_counted_on_the_agents_load(store: Store) -> None:
    """What the console's presence reads instead of listing every open offer."""
    esc = await create(store, make_escalation(modalities=["video", "cobrowse"]))
    units = ("video", "cobrowse")
    opened = LoadChange("ag1", 1, units, CAPACITY, offer=1)
    result, esc = await move(store, esc, "offered", opened)
    assert result == "ok"
    load = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert (load.load, load.offers, load.offered) == (
        {"video": 1, "cobrowse": 1},
        1,
        {"video": 1, "cobrowse": 1},
    )
    closed = LoadChange("ag1", 0, units, offer=-1)  # accepted: the units stay, as work
    result, esc = await move(store, esc, "accepted", closed)
    assert result == "ok"
    load = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert (load.load, load.offers, load.offered) == ({"video": 1, "cobrowse": 1}, 0, {})
    result, esc = await move(store, esc, "wrap_up", closed)  # a close too many
    assert result == "ok"
    load = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert (load.offers, load.offered) == (0, {})  # never below zero
    await store.mark_agent_idle("ag1", utcnow())  # its other writes keep the count
    assert (await store.get_agent_loads(["ag1"]))["ag1"].offers == 0


async def test_concurrent_transitions_from_one_version_have_one_winner(store: Store) -> None:
    esc = await create(store, make_escalation())
    results = await asyncio.gather(
        *(
            move(store, esc, "offered", LoadChange(f"ag{i}", 1, ("video",), CAPACITY))
            for i in range(20)
        )
    )
    assert [r for r, _ in results].count("ok") == 1
    events = await store.list_events("esc1")
    assert [e.type for e in events] == ["requested", "queued", "offered"]
    loads = await store.get_agent_loads([f"ag{i}" for i in range(20)])
    assert sum(load.total for load in loads.values()) == 1


async def test_load_beyond_capacity_is_refused_atomically(store: Store) -> None:
    first = await create(store, make_escalation("e1"))
    second = await create(store, make_escalation("e2"))
    ok, _ = await move(store, first, "offered", LoadChange("ag1", 1, ("video",), CAPACITY))
    assert ok == "ok"
    full, _ = await move(store, second, "offered", LoadChange("ag1", 1, ("video",), CAPACITY))
    assert full == "full"
    stored = await store.get_escalation("e2")
    assert stored is not None and stored.state == "queued"
    assert (await store.get_agent_loads(["ag1"]))["ag1"].load == {"video": 1}


async def test_freeing_all_load_starts_the_idle_clock(store: Store) -> None:
    esc = await create(store, make_escalation())
    unseen = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert unseen.total == 0 and unseen.idle_since is None
    _, offered = await move(store, esc, "offered", LoadChange("ag1", 1, ("video",), CAPACITY))
    busy = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert busy.load == {"video": 1} and busy.idle_since is None
    result, _ = await move(store, offered, "queued", LoadChange("ag1", -1, ("video",)))
    assert result == "ok"
    idle = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert idle.total == 0 and idle.idle_since is not None
    later = utcnow() + timedelta(seconds=5)
    await store.mark_agent_idle("ag1", later)
    marked = (await store.get_agent_loads(["ag1"]))["ag1"]
    assert marked.idle_since is not None
    assert abs((marked.idle_since - later).total_seconds()) < 0.01


async def test_queue_is_in_priority_then_waiting_order(store: Store) -> None:
    await create(store, make_escalation("low-old"))
    await create(store, make_escalation("high", priority=5))
    await create(store, make_escalation("low-new"))
    await create(store, make_escalation("done"), state="completed")
    assert [e.id for e in await store.queued_escalations("t1")] == ["high", "low-old", "low-new"]
    assert [e.id for e in await store.queued_escalations("t1", limit=1)] == ["high"]
    counts = await store.count_by_state("t1", ["queued", "offered", "completed"])
    assert counts == {"queued": 3, "offered": 0, "completed": 1}


async def test_listing_by_state_and_customer(store: Store) -> None:
    a = await create(store, make_escalation("a", customer_id="c1"))
    await create(store, make_escalation("b", customer_id="c2"))
    await create(store, make_escalation("c", customer_id="c1"))
    await move(store, a, "cancelled")
    assert [e.id for e in await store.list_escalations("t1", customer_id="c1")] == ["c", "a"]
    assert [e.id for e in await store.list_escalations("t1", states=["cancelled"])] == ["a"]
    queued = await store.list_escalations("t1", states=["queued"], customer_id="c1")
    assert [e.id for e in queued] == ["c"]
    assert [e.id for e in await store.list_escalations("t1", limit=2)] == ["c", "b"]
    assert await store.list_escalations("other") == []
    assert await store.list_escalations("t1", states=[]) == []


async def test_deadline_is_claimed_once_then_reclaimable_after_its_lease(store: Store) -> None:
    now = utcnow()
    await store.put_deadline(Deadline(escalation_id="e1", kind="offer", due=now))
    await store.put_deadline(
        Deadline(escalation_id="e2", kind="queue", due=now + timedelta(hours=1))
    )
    claims = await asyncio.gather(*(store.claim_deadlines(now, lease_s=30) for _ in range(10)))
    won = [c for batch in claims for c in batch]
    assert [(c.escalation_id, c.kind) for c in won] == [("e1", "offer")]
    assert await store.claim_deadlines(now + timedelta(seconds=29), lease_s=30) == []
    again = await store.claim_deadlines(now + timedelta(seconds=31), lease_s=30)
    assert [(c.escalation_id, c.kind) for c in again] == [("e1", "offer")]
    await store.drop_deadline("e1", "offer", won[0].token)  # a stale claim drops nothing
    assert "offer" in await store.get_deadlines("e1")
    await store.drop_deadline("e1", "offer", again[0].token)
    assert await store.get_deadlines("e1") == {}


async def test_deadline_set_anew_survives_the_old_claims_drop(store: Store) -> None:
    now = utcnow()
    await store.put_deadline(Deadline(escalation_id="e1", kind="offer", due=now))
    [claim] = await store.claim_deadlines(now, lease_s=30)
    await store.put_deadline(
        Deadline(escalation_id="e1", kind="offer", due=now + timedelta(seconds=9))
    )
    await store.drop_deadline("e1", "offer", claim.token)
    assert "offer" in await store.get_deadlines("e1")


async def test_a_deadline_cleared_claimed_or_not_is_gone_and_says_so(store: Store) -> None:
    now = utcnow()
    await store.put_deadline(Deadline(escalation_id="c1", kind="bot_reply", due=now))
    await store.put_deadline(Deadline(escalation_id="c1", kind="offer", due=now))
    assert set(await store.get_deadlines("c1")) == {"bot_reply", "offer"}
    assert await store.clear_deadline("c1", "bot_reply") is True
    assert set(await store.get_deadlines("c1")) == {"offer"}
    assert await store.clear_deadline("c1", "bot_reply") is False
    [claim] = await store.claim_deadlines(now, lease_s=30)
    assert await store.clear_deadline(claim.escalation_id, claim.kind) is True
    assert await store.get_deadlines("c1") == {}
    assert await store.claim_deadlines(now + timedelta(seconds=31), lease_s=30) == []


async def test_writes_set_and_clear_deadlines_with_the_transition(store: Store) -> None:
    esc = make_escalation().model_copy(update={"state": "queued", "seq": 1})
    due = utcnow() + timedelta(seconds=60)
    await store.write_escalation(
        EscalationWrite(
            escalation=esc,
            expected_seq=0,
            events=(event(esc, 1, "queued"),),
            set_deadlines=(
                Deadline(escalation_id=esc.id, kind="queue", due=due),
                Deadline(escalation_id=esc.id, kind="relax", due=due),
            ),
        )
    )
    assert set(await store.get_deadlines(esc.id)) == {"queue", "relax"}
    done = esc.model_copy(update={"state": "cancelled", "seq": 2})
    await store.write_escalation(
        EscalationWrite(
            escalation=done,
            expected_seq=1,
            events=(event(esc, 2, "cancelled"),),
            clear_deadlines=("queue", "relax", "offer"),
            previous_state="queued",
        )
    )
    assert await store.get_deadlines(esc.id) == {}


async def test_idempotency_key_reserves_then_replays(store: Store) -> None:
    assert await store.begin_idempotent("k1", "h1", ttl_s=60) is None
    in_flight = await store.begin_idempotent("k1", "h1", ttl_s=60)
    assert in_flight is not None and not in_flight.done and in_flight.body_hash == "h1"
    await store.finish_idempotent("k1", 201, '{"a": 1}', ttl_s=60)
    done = await store.begin_idempotent("k1", "h2", ttl_s=60)
    assert done is not None and done.done and done.status == 201
    assert done.response == '{"a": 1}' and done.body_hash == "h1"
    await store.release_idempotent("k1")
    assert await store.begin_idempotent("k1", "h2", ttl_s=60) is None


async def test_idempotency_key_is_reserved_once_under_concurrency(store: Store) -> None:
    results = await asyncio.gather(*(store.begin_idempotent("k", "h", ttl_s=60) for _ in range(20)))
    assert results.count(None) == 1


async def test_a_write_stores_the_escalations_session_with_it_or_not_at_all(
    store: Store,
) -> None:
    esc = make_escalation().model_copy(update={"state": "queued", "seq": 1})
    session = Session(id=esc.session_id, tenant_id="t1", escalation_id=esc.id)
    write = EscalationWrite(
        escalation=esc, expected_seq=0, events=(event(esc, 1, "queued"),), session=session
    )
    assert await store.write_escalation(write) == "ok"
    assert await store.get_session(esc.session_id) == session
    joined = session.model_copy(update={"agent_ids": ["ag1"]})
    accepted = esc.model_copy(update={"state": "accepted", "seq": 2})
    stale = EscalationWrite(
        escalation=accepted,
        expected_seq=0,  # someone else wrote first
        events=(event(esc, 2, "accepted"),),
        previous_state="queued",
        session=joined,
    )
    assert await store.write_escalation(stale) == "conflict"
    assert await store.get_session(esc.session_id) == session  # unchanged
    fresh = EscalationWrite(
        escalation=accepted,
        expected_seq=1,
        events=(event(esc, 2, "accepted"),),
        previous_state="queued",
        session=joined,
    )
    assert await store.write_escalation(fresh) == "ok"
    assert await store.get_session(esc.session_id) == joined


async def test_oldest_queued_at_is_the_longest_wait_whatever_the_priority(store: Store) -> None:
    assert await store.oldest_queued_at("t1") is None
    now = utcnow()
    for esc_id, priority, ago in (("e_new", 5, 1.0), ("e_old", 0, 30.0), ("e_mid", -2, 10.0)):
        esc = make_escalation(esc_id, priority=priority).model_copy(
            update={"state": "queued", "seq": 1, "queued_at": now - timedelta(seconds=ago)}
        )
        write = EscalationWrite(escalation=esc, expected_seq=0, events=(event(esc, 1, "queued"),))
        assert await store.write_escalation(write) == "ok"
    await create(store, make_escalation("e_other", tenant_id="t2"))
    oldest = await store.oldest_queued_at("t1")
    assert oldest is not None
    assert abs((oldest - (now - timedelta(seconds=30))).total_seconds()) < 0.01
    taken = await store.get_escalation("e_old")
    assert taken is not None
    assert (await move(store, taken, "offered"))[0] == "ok"  # no longer waiting
    oldest = await store.oldest_queued_at("t1")
    assert oldest is not None
    assert abs((oldest - (now - timedelta(seconds=10))).total_seconds()) < 0.01


async def test_a_session_decided_on_an_old_copy_is_a_conflict_and_changes_nothing(
    store: Store,
) -> None:
    """``previous_session``: the write stores the session only if the stored one is
    still what the change was decided on (another writer may have changed it)."""
    esc = make_escalation().model_copy(update={"state": "queued", "seq": 1})
    session = Session(id=esc.session_id, tenant_id="t1", escalation_id=esc.id)
    first = EscalationWrite(
        escalation=esc, expected_seq=0, events=(event(esc, 1, "queued"),), session=session
    )
    assert await store.write_escalation(first) == "ok"
    elsewhere = session.model_copy(update={"agent_ids": ["ag9"]})
    await store.update_session(elsewhere)  # someone else's change
    accepted = esc.model_copy(update={"state": "accepted", "seq": 2})
    joined = session.model_copy(update={"agent_ids": ["ag1"]})

    def accept(previous: Session) -> EscalationWrite:
        return EscalationWrite(
            escalation=accepted,
            expected_seq=1,
            events=(event(esc, 2, "accepted"),),
            previous_state="queued",
            session=previous.model_copy(update={"agent_ids": [*previous.agent_ids, "ag1"]}),
            previous_session=previous,
        )

    assert await store.write_escalation(accept(session)) == "conflict"
    assert await store.get_session(esc.session_id) == elsewhere
    stored = await store.get_escalation(esc.id)
    assert stored is not None and stored.state == "queued"
    assert len(await store.list_events(esc.id)) == 1
    assert await store.write_escalation(accept(elsewhere)) == "ok"
    after = await store.get_session(esc.session_id)
    assert after is not None and after.agent_ids == ["ag9", "ag1"] != joined.agent_ids
