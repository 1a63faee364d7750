"""Files the server peer makes or reads, under the data dir:

- ``recordings/<session_id>/<recording_id>.webm`` with ``<recording_id>.json`` beside
  it (who, when, duration, size): listing reads the sidecars, so every node sharing
  the data volume sees the same recordings;
- ``snapshots/<session_id>/<name>.png``;

recordings and snapshots are sealed at rest (``media/crypto.py``; the names stay, the
content is ciphertext) unless encryption is turned off; ``sealer`` reads either kind.
- the demo-video library (``data/demo-videos`` by default), read-only.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from media.crypto import Sealer

SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
DEMO_SUFFIXES = {".webm", ".mp4", ".mkv"}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


@dataclass(frozen=True)
class RecordingInfo:
    id: str
    session_id: str
    peer_id: str
    role: str
    started_at: str
    ended_at: str
    duration_s: float
    size: int
    video_frames: int
    audio_frames: int

    def public(self) -> dict[str, object]:
        return asdict(self)


class MediaLibrary:
    def __init__(self, data_dir: Path, demo_dir: Path, sealer: Sealer | None = None) -> None:
        self.sealer = sealer or Sealer(None)
        self.recordings = data_dir / "recordings"
        self.snapshots = data_dir / "snapshots"
        self.demo_dir = demo_dir

    def recording_path(self, session_id: str, recording_id: str) -> Path:
        assert SAFE_ID.match(session_id) and SAFE_ID.match(recording_id)
        return self.recordings / session_id / f"{recording_id}.webm"

    def save_recording(self, info: RecordingInfo) -> None:
        path = self.recording_path(info.session_id, info.id).with_suffix(".json")
        path.write_text(json.dumps(info.public()))

    def list_recordings(self, session_id: str | None = None) -> list[RecordingInfo]:
        pattern = f"{session_id}/*.json" if session_id else "*/*.json"
        if session_id is not None and not SAFE_ID.match(session_id):
            return []
        found = [RecordingInfo(**json.loads(p.read_text())) for p in self.recordings.glob(pattern)]
        return sorted(found, key=lambda r: (r.started_at, r.id))

    def get_recording(self, recording_id: str) -> RecordingInfo | None:
        if not SAFE_ID.match(recording_id):
            return None
        for path in self.recordings.glob(f"*/{recording_id}.json"):
            return RecordingInfo(**json.loads(path.read_text()))
        return None

    def snapshot_path(self, session_id: str, name: str) -> Path | None:
        if not SAFE_ID.match(session_id) or not SAFE_ID.match(name):
            return None
        return self.snapshots / session_id / f"{name}.png"

    def demo_videos(self) -> list[dict[str, object]]:
        if not self.demo_dir.is_dir():
            return []
        return [
            {"name": p.name, "size": p.stat().st_size}
            for p in sorted(self.demo_dir.iterdir())
            if p.is_file() and p.suffix in DEMO_SUFFIXES
        ]

    def demo_path(self, name: str) -> Path | None:
        """Only names listed by ``demo_videos`` (no paths from the caller)."""
        for video in self.demo_videos():
            if video["name"] == name:
                return self.demo_dir / name
        return None


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
