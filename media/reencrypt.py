"""``coview reencrypt``: seal every file about customers with the current key, so an
old key can leave COVIEW_RECORDING_KEYS. Files sealed with another key (or written
before encryption at rest) are decrypted and sealed again as a stream, into a new file
that replaces the old one only once complete. Files still being written (no final
chunk yet; plain ones changed in the last minute) are left for the next run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from media.crypto import DecryptError, EncryptedWriter, KeyRing, decrypt_chunks, key_id_of

log = logging.getLogger("coview.reencrypt")
# (folder under the data dir, file pattern): call recordings, snapshots, co-browse.
SEALED_FILES = (("recordings", "*/*.webm"), ("snapshots", "*/*.png"), ("cobrowse", "*/*.ndjson.gz"))
QUIET_S = 60.0


@dataclass
class Report:
    resealed: list[Path] = field(default_factory=list)
    current: int = 0  # already under the current key
    busy: list[Path] = field(default_factory=list)  # being written: next run
    failed: list[tuple[Path, str]] = field(default_factory=list)


def sealed_files(data_dir: Path) -> Iterator[Path]:
    for folder, pattern in SEALED_FILES:
        yield from sorted((data_dir / folder).glob(pattern))


def reencrypt(data_dir: Path, ring: KeyRing, now: float | None = None) -> Report:
    report = Report()
    now = time.time() if now is None else now
    for path in sealed_files(data_dir):
        key_id = key_id_of(path)
        if key_id == ring.current:
            report.current += 1
            continue
        if key_id is None and now - path.stat().st_mtime < QUIET_S:
            report.busy.append(path)
            continue
        try:
            _reseal(path, ring, plain=key_id is None)
        except _Unfinished:
            report.busy.append(path)
        except (DecryptError, OSError) as exc:
            report.failed.append((path, str(exc)))
            log.warning("could not re-encrypt %s: %s", path, exc)
        else:
            report.resealed.append(path)
    return report


class _Unfinished(Exception):
    pass


def _reseal(path: Path, ring: KeyRing, *, plain: bool) -> None:
    temp = path.with_name(path.name + ".reencrypt")
    writer = EncryptedWriter(temp, ring)
    try:
        if plain:
            with path.open("rb") as f:
                while piece := f.read(1 << 16):
                    writer.write(piece)
        else:
            try:
                for piece in decrypt_chunks(path, ring):
                    writer.write(piece)
            except DecryptError as exc:
                if "cut short" in str(exc):
                    raise _Unfinished from exc
                raise
        writer.close()
        os.replace(temp, path)
    except BaseException:
        writer.close()
        temp.unlink(missing_ok=True)
        raise
