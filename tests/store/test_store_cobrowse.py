"""Contract tests of the co-browse fast tier, run on both store backends."""

from __future__ import annotations

from store.base import Store
from store.cobrowse import Checkpoint, ControlState


async def test_checkpoint_is_the_last_snapshot_and_the_batches_since(store: Store) -> None:
    assert await store.cobrowse_checkpoint("s1") is None
    await store.cobrowse_reset("s1", 1, b'[{"type":2}]', 100.0)
    assert await store.cobrowse_append("s1", 2, b'[{"type":3,"a":1}]') == 1
    assert await store.cobrowse_append("s1", 3, b"[]") == 2
    checkpoint = await store.cobrowse_checkpoint("s1")
    assert checkpoint == Checkpoint(b'[{"type":2}]', [b'[{"type":3,"a":1}]', b"[]"], 100.0, 3)
    assert checkpoint.payload() == b'[{"type":2},{"type":3,"a":1}]'


async def test_new_snapshot_replaces_the_checkpoint(store: Store) -> None:
    await store.cobrowse_reset("s1", 1, b"[1]", 1.0)
    await store.cobrowse_append("s1", 2, b"[2]")
    await store.cobrowse_reset("s1", 1, b"[3]", 2.0)
    assert await store.cobrowse_checkpoint("s1") == Checkpoint(b"[3]", [], 2.0, 1)


async def test_batches_without_a_snapshot_are_not_kept(store: Store) -> None:
    assert await store.cobrowse_append("s2", 1, b"[2]") == 0
    assert await store.cobrowse_checkpoint("s2") is None


async def test_control_state_round_trips_and_drop_forgets_everything(store: Store) -> None:
    assert await store.cobrowse_control("s1") == ControlState()
    state = ControlState(requested_by="ag_ana", granted_to="ag_ana", recording=True)
    await store.cobrowse_set_control("s1", state)
    assert await store.cobrowse_control("s1") == state
    await store.cobrowse_reset("s1", 1, b"[1]", 1.0)
    await store.cobrowse_drop("s1")
    assert await store.cobrowse_control("s1") == ControlState()
    assert await store.cobrowse_checkpoint("s1") is None
