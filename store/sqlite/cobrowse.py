"""Co-browse checkpoints for one node: process memory (they are a cache of what the
customer's page looks like now, rebuilt by the next full snapshot, so not worth a
disk write per batch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from store.cobrowse import Checkpoint, ControlState
from store.sqlite.base import SqliteBase


@dataclass(slots=True)
class _Kept:
    """A session's checkpoint as kept here: appended to in place on the relay's hot
    path; readers get a frozen ``Checkpoint`` copy."""

    snapshot: bytes
    started_at: float
    seq: int
    batches: list[bytes] = field(default_factory=list)


class SqliteCobrowse(SqliteBase):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._cobrowse_checkpoints: dict[str, _Kept] = {}
        self._cobrowse_control: dict[str, ControlState] = {}

    async def cobrowse_reset(self, session_id: str, seq: int, snapshot: bytes, at: float) -> None:
        self._cobrowse_checkpoints[session_id] = _Kept(snapshot, at, seq)

    async def cobrowse_append(self, session_id: str, seq: int, batch: bytes) -> int:
        checkpoint = self._cobrowse_checkpoints.get(session_id)
        if checkpoint is None:
            return 0
        checkpoint.batches.append(batch)
        checkpoint.seq = seq
        return len(checkpoint.batches)

    async def cobrowse_checkpoint(self, session_id: str) -> Checkpoint | None:
        checkpoint = self._cobrowse_checkpoints.get(session_id)
        if checkpoint is None:
            return None
        return Checkpoint(
            checkpoint.snapshot, list(checkpoint.batches), checkpoint.started_at, checkpoint.seq
        )

    async def cobrowse_drop(self, session_id: str) -> None:
        self._cobrowse_checkpoints.pop(session_id, None)
        self._cobrowse_control.pop(session_id, None)

    async def cobrowse_set_control(self, session_id: str, state: ControlState) -> None:
        self._cobrowse_control[session_id] = state

    async def cobrowse_control(self, session_id: str) -> ControlState:
        return self._cobrowse_control.get(session_id, ControlState())
