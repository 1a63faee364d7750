"""Co-browse state shared by every node: the latest checkpoint of each session (the
last full rrweb snapshot and the event batches since) and who holds remote control.

This is the store's fast tier: process memory for the SQLite (one node) store, Redis
when several nodes share state. Payloads are kept as the raw JSON bytes the customer
sent (after server-side masking), so nothing is decoded on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Checkpoint:
    """A full snapshot batch (JSON array of rrweb events) and the batches since."""

    snapshot: bytes
    batches: list[bytes] = field(default_factory=list)
    started_at: float = 0.0  # unix time of the snapshot
    seq: int = 0  # the customer's seq of the last batch in it

    def payload(self) -> bytes:
        """All events as one JSON array, joined without decoding any of them."""
        parts = []
        for raw in (self.snapshot, *self.batches):
            inner = raw.strip()[1:-1].strip()
            if inner:
                parts.append(inner)
        return b"[" + b",".join(parts) + b"]"


@dataclass(frozen=True)
class ControlState:
    """Remote control of the customer's page (who asked last, who holds it) and whether
    the customer consented to recording the co-browse session."""

    requested_by: str | None = None
    granted_to: str | None = None
    recording: bool = False


class CobrowseStore(Protocol):
    async def cobrowse_reset(self, session_id: str, seq: int, snapshot: bytes, at: float) -> None:
        """Start a new checkpoint from a full snapshot batch (drops the old one)."""
        ...

    async def cobrowse_append(self, session_id: str, seq: int, batch: bytes) -> int:
        """Append a batch to the checkpoint; the number of batches since the snapshot,
        or 0 when the session has no checkpoint (the batch is then not kept)."""
        ...

    async def cobrowse_checkpoint(self, session_id: str) -> Checkpoint | None: ...

    async def cobrowse_drop(self, session_id: str) -> None: ...

    async def cobrowse_set_control(self, session_id: str, state: ControlState) -> None: ...

    async def cobrowse_control(self, session_id: str) -> ControlState: ...
