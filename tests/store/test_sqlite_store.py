"""SQLite-specific guarantees of the shared connection."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from store.base import DuplicateError
from store.models import Agent, Invite, Tenant, utcnow
from store.sqlite import SqliteStore


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "s.sqlite3")
    await store.open()
    yield store
    await store.close()


async def test_concurrent_reads_and_writes_never_commit_over_an_open_statement(
    sqlite: SqliteStore,
) -> None:
    async def writer(i: int) -> None:
        await sqlite.create_agent(
            Agent(id=f"a{i}", tenant_id="t", email=f"a{i}@x", name="A", password_hash="h")
        )
        await sqlite.create_invite(
            Invite(
                id=f"i{i}",
                short_code=f"{i:06d}",
                tenant_id="t",
                session_id="s",
                role="customer",
                expires_at=utcnow() + timedelta(minutes=1),
            )
        )
        assert await sqlite.consume_invite(invite_id=f"i{i}", now=utcnow()) is not None

    async def reader() -> None:
        for _ in range(20):
            await sqlite.list_agents("t")

    await asyncio.gather(*(writer(i) for i in range(300)), *(reader() for _ in range(30)))
    assert len(await sqlite.list_agents("t")) == 300


async def test_transaction_commits_together_or_not_at_all(sqlite: SqliteStore) -> None:
    with pytest.raises(RuntimeError), sqlite.transaction():
        await sqlite.put_tenant(Tenant(id="t1", name="one"))
        raise RuntimeError("boom")
    assert await sqlite.get_tenant("t1") is None
    with sqlite.transaction():
        await sqlite.put_tenant(Tenant(id="t1", name="one"))
        await sqlite.put_tenant(Tenant(id="t2", name="two"))
    assert await sqlite.get_tenant("t2") is not None


async def test_a_clash_leaves_no_transaction_open(sqlite: SqliteStore) -> None:
    agent = Agent(id="a1", tenant_id="t", email="a@x", name="A", password_hash="h")
    await sqlite.create_agent(agent)
    with pytest.raises(DuplicateError):
        await sqlite.create_agent(agent.model_copy(update={"id": "a2"}))
    with sqlite.transaction():  # would fail: "cannot start a transaction within..."
        await sqlite.put_tenant(Tenant(id="t", name="T"))
    assert await sqlite.get_tenant("t") is not None


def test_parse_cache_shares_frozen_records_only_for_the_same_text() -> None:
    from pydantic import BaseModel

    from store.models import Tenant
    from store.parse_cache import ParseCache

    class Loose(BaseModel):
        name: str

    cache = ParseCache(size=2)
    a = cache.parse(Tenant, '{"id":"t1","name":"A","created_at":"2026-01-01T00:00:00Z"}')
    assert cache.parse(Tenant, '{"id":"t1","name":"A","created_at":"2026-01-01T00:00:00Z"}') is a
    renamed = cache.parse(Tenant, '{"id":"t1","name":"B","created_at":"2026-01-01T00:00:00Z"}')
    assert renamed.name == "B"
    cache.parse(Tenant, '{"id":"t2","name":"C","created_at":"2026-01-01T00:00:00Z"}')  # evicts a
    again = cache.parse(Tenant, '{"id":"t1","name":"A","created_at":"2026-01-01T00:00:00Z"}')
    assert again == a and again is not a
    # a mutable model is never shared: a reader could change it under another
    assert cache.parse(Loose, '{"name":"x"}') is not cache.parse(Loose, '{"name":"x"}')


async def test_wal_is_checkpointed_off_the_loop_not_inside_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits never run a checkpoint (they stalled the loop); the background task
    copies the log into the database file instead."""
    import store.sqlite.base as base

    monkeypatch.setattr(base, "CHECKPOINT_EVERY_S", 0.05)
    store = SqliteStore(tmp_path / "c.sqlite3")
    await store.open()
    try:
        assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        before = (tmp_path / "c.sqlite3").stat().st_size
        for n in range(300):
            await store.put_tenant(Tenant(id=f"t{n}", name="x" * 2000))
        deadline = asyncio.get_running_loop().time() + 10
        while (tmp_path / "c.sqlite3").stat().st_size <= before:
            assert asyncio.get_running_loop().time() < deadline, "no checkpoint ran"
            await asyncio.sleep(0.05)  # a worker thread's file write: nothing to await
        assert await store.get_tenant("t299") is not None
    finally:
        await store.close()
    assert not (tmp_path / "c.sqlite3-wal").exists()  # the last close checkpointed the rest


def test_a_record_just_written_is_its_own_next_read() -> None:
    from store.models import Tenant
    from store.parse_cache import ParseCache

    cache = ParseCache()
    tenant = Tenant(id="t1", name="A")
    raw = tenant.model_dump_json()
    cache.remember(tenant, raw)
    assert cache.parse(Tenant, raw) is tenant
    assert cache.parse(Tenant, raw) == Tenant.model_validate_json(raw)


async def test_the_wal_stays_small_under_writes_that_never_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A passive checkpoint never completes while commits keep coming, so the log was
    never restarted and grew with every write; now it starts over after each catch-up."""
    import store.sqlite.base as base

    monkeypatch.setattr(base, "CHECKPOINT_EVERY_S", 0.02)
    # Count the checkpoints that caught up with the writer: the log may only restart after
    # one, and a busy machine runs fewer in a given time, so the test writes until enough
    # have happened rather than for a fixed time.
    caught_up = 0
    checkpoint = SqliteStore._checkpoint

    def counting(db: sqlite3.Connection, passes: int = base.CATCH_UP_PASSES) -> int | None:
        nonlocal caught_up
        left = checkpoint(db, passes)
        if left is not None and left <= base.CATCH_UP_FRAMES:
            caught_up += 1
        return left

    monkeypatch.setattr(SqliteStore, "_checkpoint", staticmethod(counting))
    store = SqliteStore(tmp_path / "w.sqlite3")
    wal = tmp_path / "w.sqlite3-wal"
    await store.open()
    try:
        written, largest = 0, 0
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 60.0
        # ~50 MB of records, never idle for long, through at least 8 catch-ups
        while (caught_up < 8 or written * 4000 <= 50 * 2**20) and loop.time() < give_up:
            for _ in range(20):
                await store.put_tenant(Tenant(id=f"t{written % 500}", name="x" * 4000))
                written += 1
            largest = max(largest, wal.stat().st_size)
            await asyncio.sleep(0)  # let the checkpoint task run between bursts
        assert caught_up >= 8 and written * 4000 > 50 * 2**20, "too few catch-ups to tell"
        assert largest < written * 4000 / 2  # the log restarted, and was cut back
    finally:
        await store.close()


async def test_listing_by_state_reads_the_state_index_not_every_escalation(
    sqlite: SqliteStore,
) -> None:
    """The open offers every presence update reads: by the state index, not a walk of
    the organisation's escalations in created order (10 ms at 20,000 rows)."""
    db = sqlite._db
    assert db is not None
    sent: list[str] = []
    db.set_trace_callback(sent.append)
    try:
        await sqlite.list_escalations("t1", states=["offered", "queued"], limit=500)
    finally:
        db.set_trace_callback(None)
    [query] = [s for s in sent if s.startswith("SELECT data FROM escalations")]
    plan = " ".join(str(row) for row in db.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert "escalations_state_created (tenant_id=? AND state=?)" in plan, plan


async def test_a_file_from_before_the_offer_columns_gets_them(tmp_path: Path) -> None:
    """An older file's agent_loads table has no offer columns: opening adds them and
    keeps the loads it had."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE agent_loads (agent_id TEXT PRIMARY KEY, chat INTEGER NOT NULL "
        "DEFAULT 0, video INTEGER NOT NULL DEFAULT 0, cobrowse INTEGER NOT NULL DEFAULT 0, "
        "idle_since REAL) WITHOUT ROWID"
    )
    db.execute("INSERT INTO agent_loads (agent_id, video) VALUES ('ag1', 1)")
    db.commit()
    db.close()
    store = SqliteStore(path)
    await store.open()
    try:
        load = (await store.get_agent_loads(["ag1"]))["ag1"]
        assert (load.load, load.offers, load.offered) == ({"video": 1}, 0, {})
    finally:
        await store.close()
    again = SqliteStore(path)  # and a second open finds them there
    await again.open()
    await again.close()
