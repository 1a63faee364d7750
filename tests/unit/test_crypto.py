"""Encryption at rest (media/crypto.py): round trips, seeks back, growing files, and
every alteration refused."""

from __future__ import annotations

import base64
import os
import random
import stat
from pathlib import Path

import pytest

from media.crypto import (
    KEYS_FILE,
    DecryptError,
    EncryptedWriter,
    KeyRing,
    Sealer,
    decrypt_chunks,
    key_id_of,
    read_plain,
)

WEBM = b"\x1a\x45\xdf\xa3"


def ring(*ids: str) -> KeyRing:
    return KeyRing({i: bytes([n]) * 32 for n, i in enumerate(ids or ("k1",))}, (ids or ("k1",))[0])


def plain_of(path: Path, keys: KeyRing, **kw: bool) -> bytes:
    return b"".join(decrypt_chunks(path, keys, **kw))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 64, 100])
def test_round_trip_of_any_size_hides_the_plaintext(tmp_path: Path, size: int) -> None:
    data = (WEBM + os.urandom(200))[:size]
    path = tmp_path / "f.enc"
    writer = EncryptedWriter(path, ring(), chunk_size=16)
    for start in range(0, size, 7):  # odd-sized writes across chunk borders
        writer.write(data[start : start + 7])
    writer.close()
    assert plain_of(path, ring()) == data
    assert (WEBM not in path.read_bytes()) or size < 4
    assert key_id_of(path) == "k1"


def test_seeking_back_patches_sealed_chunks(tmp_path: Path) -> None:
    model = bytearray()
    path = tmp_path / "f.enc"
    writer = EncryptedWriter(path, ring(), chunk_size=16)
    rng = random.Random(7)
    for _ in range(200):
        if model and rng.random() < 0.3:
            writer.seek(rng.randrange(len(model)))
        at = writer.tell()
        piece = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        writer.write(piece)
        model[at : at + len(piece)] = piece
        writer.seek(0, 2)
    writer.close()
    assert plain_of(path, ring()) == bytes(model)


def test_a_growing_file_reads_up_to_its_last_sealed_chunk(tmp_path: Path) -> None:
    path = tmp_path / "f.enc"
    writer = EncryptedWriter(path, ring())
    writer.write(b"first batch\n")
    writer.seal_now()
    writer.write(b"second")
    writer.seal_now()
    assert plain_of(path, ring(), unfinished_ok=True) == b"first batch\nsecond"
    with pytest.raises(DecryptError, match="cut short"):
        plain_of(path, ring())  # not finished: refused unless asked for
    with pytest.raises(OSError):
        writer.seek(0)
    writer.write(b" and last")
    writer.close()
    assert plain_of(path, ring()) == b"first batch\nsecond and last"


def test_altered_cut_or_reordered_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.enc"
    writer = EncryptedWriter(path, ring(), chunk_size=16)
    writer.write(bytes(range(50)))
    writer.close()
    raw = path.read_bytes()
    header = 6 + 1 + 2 + 4
    slot = 1 + 12 + 4 + 16 + 16
    first, second = raw[header : header + slot], raw[header + slot : header + 2 * slot]
    cases = {
        "flipped": raw[:-1] + bytes([raw[-1] ^ 1]),
        "cut": raw[: header + 2 * slot],  # the last chunks dropped
        "swapped": raw[:header] + second + first + raw[header + 2 * slot :],
        "appended": raw + b"x",
    }
    for name, altered in cases.items():
        path.write_bytes(altered)
        with pytest.raises(DecryptError):
            plain_of(path, ring())
            pytest.fail(name)


def test_old_keys_still_open_old_files_and_unknown_keys_fail(tmp_path: Path) -> None:
    path = tmp_path / "snap.enc"
    Sealer(ring("old")).write_bytes(path, b"picture")
    rotated = KeyRing({"new": b"\x05" * 32, "old": bytes([0]) * 32}, "new")
    assert plain_of(path, rotated) == b"picture"
    with pytest.raises(DecryptError, match="no key"):
        plain_of(path, ring("other"))
    plain = tmp_path / "legacy.webm"
    plain.write_bytes(WEBM + b"old plain file")
    assert b"".join(read_plain(plain, rotated)) == WEBM + b"old plain file"
    assert key_id_of(plain) is None


def test_keys_come_from_configuration_or_are_generated_once(tmp_path: Path) -> None:
    k = base64.b64encode(b"\x01" * 32).decode()
    parsed = KeyRing.parse((f"2026={k}", f"2025={base64.b64encode(b'2' * 32).decode()}"))
    assert parsed.current == "2026" and set(parsed.keys) == {"2026", "2025"}
    for bad in (("nokey",), ("a=not*base64",), (f"a={base64.b64encode(b'short').decode()}",)):
        with pytest.raises(ValueError):
            KeyRing.parse(bad)
    generated = KeyRing.load((), tmp_path)
    assert KeyRing.load((), tmp_path).keys == generated.keys  # kept, not regenerated
    assert stat.S_IMODE((tmp_path / KEYS_FILE).stat().st_mode) == 0o600
    assert KeyRing.load((f"c={k}",), tmp_path).current == "c"
