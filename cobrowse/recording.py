"""Co-browse recordings: the masked event stream, gzip-compressed, under the data dir.

``<data_dir>/cobrowse/<session id>/<segment>.ndjson.gz``: one segment per customer
connection (each page of the site is one), one masked batch (a JSON array) per line.
Each batch is flushed as it comes, so a recording can be read while it grows. Segments
are sealed at rest (``media/crypto.py``: one chunk per batch) unless encryption is off;
the name stays ``.ndjson.gz``, the content is ciphertext.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from media.crypto import Sealer
from server.platform.errors import NotFound

SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def recordings_dir(data_dir: Path) -> Path:
    return data_dir / "cobrowse"


def session_dir(data_dir: Path, session_id: str) -> Path:
    if not SAFE_ID.match(session_id):
        raise NotFound("unknown recording")
    return recordings_dir(data_dir) / session_id


class Recorder:
    """Appends one connection's masked batches to its segment file."""

    def __init__(self, data_dir: Path, session_id: str, sealer: Sealer) -> None:
        folder = session_dir(data_dir, session_id)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{time.time_ns()}.ndjson.gz"
        self._file = sealer.writer(self.path)
        self._gzip = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: gzip container

    def write(self, batch: bytes) -> None:
        self._file.write(self._gzip.compress(batch + b"\n") + self._gzip.flush(zlib.Z_SYNC_FLUSH))
        self._file.seal_now()

    def close(self) -> None:
        if not self._file.closed:
            self._file.write(self._gzip.flush(zlib.Z_FINISH))
            self._file.close()


@dataclass(frozen=True)
class RecordingInfo:
    session_id: str
    segments: int
    bytes: int
    started_at: float
    updated_at: float

    def public(self) -> dict[str, object]:
        return {
            "session_id": self.session_id,
            "segments": self.segments,
            "bytes": self.bytes,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
        }


def list_recordings(data_dir: Path) -> list[RecordingInfo]:
    root = recordings_dir(data_dir)
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        segments = sorted(folder.glob("*.ndjson.gz"))
        if not segments:
            continue
        stats = [s.stat() for s in segments]
        found.append(
            RecordingInfo(
                session_id=folder.name,
                segments=len(segments),
                bytes=sum(s.st_size for s in stats),
                started_at=int(segments[0].name.split(".")[0]) / 1e9,
                updated_at=max(s.st_mtime for s in stats),
            )
        )
    return found


def read_events(data_dir: Path, session_id: str, sealer: Sealer) -> bytes:
    """Every recorded event of a session, in order, as one JSON array."""
    segments = sorted(session_dir(data_dir, session_id).glob("*.ndjson.gz"))
    if not segments:
        raise NotFound("no recording for this session")
    parts: list[bytes] = []
    for segment in segments:
        inflate = zlib.decompressobj(31)  # also while growing: up to its last batch
        sealed = sealer.read(segment, unfinished_ok=True)
        text = b"".join(inflate.decompress(piece) for piece in sealed)
        for line in text.splitlines():
            inner = line.strip()[1:-1].strip()
            if inner:
                parts.append(inner)
    return b"[" + b",".join(parts) + b"]"
