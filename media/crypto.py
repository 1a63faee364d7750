"""Encryption at rest for what coview writes about customers (call recordings,
co-browse recordings, snapshots): AES-256-GCM from ``cryptography``, streamed in
chunks so a long recording never sits in memory.

File format (all integers big-endian)::

    header  = MAGIC (6) | key id length (1) | key id (ASCII) | chunk size (4)
    chunk   = flag (1) | nonce (12) | ciphertext length (4) | ciphertext (+16-byte tag)

Each chunk is sealed with its own random nonce and, as associated data, the header,
the chunk's index (8 bytes) and its flag (1 = the last chunk), so chunks cannot be
reordered, moved between files or dropped at the end without the reader noticing: a
file whose last chunk is not flagged final was cut short. The key id in the header
names the key that sealed it; old keys stay in the ring so old files stay readable,
and ``coview reencrypt`` moves them to the current key.

``EncryptedWriter`` is a seekable, write-only file object (what the WebM muxer needs:
it seeks back to patch its header when it closes the file). Every chunk but the last
holds exactly ``chunk_size`` bytes, so a write to an earlier position decrypts that
chunk, patches it and seals it again with a fresh nonce. ``seal_now`` instead writes
what is buffered as a chunk of its own (a co-browse batch is on disk as it arrives);
after it the writer only appends.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CVENC\x01"
CHUNK_SIZE = 64 * 1024
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
SLOT_HEAD = struct.Struct(">B12sI")  # flag, nonce, ciphertext length
FINAL = 1
KEYS_FILE = "recording.keys"
MAX_KEY_ID = 64


class DecryptError(ValueError):
    """The file is not one of ours, its key is unknown, or it was altered or cut."""


@dataclass
class KeyRing:
    """Keys by id; ``current`` seals new files, every key opens old ones."""

    keys: dict[str, bytes]
    current: str
    _aeads: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError("the current key is not in the ring")
        for key_id, key in self.keys.items():
            if not key_id.isascii() or not 0 < len(key_id) <= MAX_KEY_ID or "=" in key_id:
                raise ValueError(f"bad key id {key_id!r}")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {KEY_BYTES} bytes (base64)")

    def aead(self, key_id: str) -> AESGCM:
        found = self._aeads.get(key_id)
        if found is None:
            key = self.keys.get(key_id)
            if key is None:
                raise DecryptError(f"no key {key_id!r} in COVIEW_RECORDING_KEYS")
            found = self._aeads[key_id] = AESGCM(key)
        return found

    @classmethod
    def parse(cls, entries: tuple[str, ...]) -> KeyRing:
        """``id=base64key`` entries, the first one current."""
        keys: dict[str, bytes] = {}
        for entry in entries:
            key_id, sep, encoded = entry.strip().partition("=")
            if not sep:
                raise ValueError("COVIEW_RECORDING_KEYS entries are id=base64key")
            try:
                keys[key_id.strip()] = base64.b64decode(encoded.strip(), validate=True)
            except binascii.Error as exc:
                raise ValueError(f"key {key_id!r} is not base64") from exc
        if not keys:
            raise ValueError("no keys")
        return cls(keys, next(iter(keys)))

    @classmethod
    def load(cls, entries: tuple[str, ...], data_dir: Path) -> KeyRing:
        """The configured keys; without any, a key generated once and kept in the data
        dir (like the signing secret of a one-node deployment)."""
        if entries:
            return cls.parse(entries)
        path = data_dir / KEYS_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            line = f"k{secrets.token_hex(4)}={base64.b64encode(os.urandom(KEY_BYTES)).decode()}"
            # Written whole under a temporary name, then linked: of two processes
            # starting at once on one data dir, one key wins and both read it.
            temp = data_dir / f".{KEYS_FILE}.{secrets.token_hex(4)}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(line + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
            temp.unlink()
        lines = [x for x in path.read_text().splitlines() if x.strip()]
        return cls.parse(tuple(lines))


def header_for(key_id: str, chunk_size: int) -> bytes:
    kid = key_id.encode()
    return MAGIC + bytes([len(kid)]) + kid + chunk_size.to_bytes(4, "big")


def _aad(header: bytes, index: int, flag: int) -> bytes:
    return header + index.to_bytes(8, "big") + bytes([flag])


class EncryptedWriter(io.RawIOBase):
    """Write-only, seekable file object that seals what it is given (see the module)."""

    def __init__(self, path: Path, ring: KeyRing, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__()
        self.path = path
        self._aead = ring.aead(ring.current)
        self._chunk = chunk_size
        self._header = header_for(ring.current, chunk_size)
        self._slot = SLOT_HEAD.size + chunk_size + TAG_BYTES
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w+b")
        self._file.write(self._header)
        self._end = len(self._header)  # where the next chunk goes
        self._index = 0  # index of the chunk being filled (in memory)
        self._start = 0  # plaintext offset of that chunk
        self._buf = bytearray()
        self._pos = 0
        self._appending = False  # after seal_now: chunks vary in size, no seeking back

    # io.RawIOBase ----------------------------------------------------------------
    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return not self._appending

    def readable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        size = self._start + len(self._buf)
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: size}[whence] + offset
        if target < 0 or (self._appending and target != size):
            raise OSError("cannot seek there")
        self._pos = target
        return target

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        written = len(view)
        while view:
            if self._pos < self._start:
                view = self._patch(view)
                continue
            at = self._pos - self._start
            if at > len(self._buf):
                self._buf.extend(bytes(at - len(self._buf)))  # a hole reads as zeros
            room = self._chunk - at
            piece = view[:room]
            self._buf[at : at + len(piece)] = piece
            self._pos += len(piece)
            view = view[len(piece) :]
            if len(self._buf) >= self._chunk:
                self._seal(bytes(self._buf[: self._chunk]), final=False)
                del self._buf[: self._chunk]
        return written

    def seal_now(self) -> None:
        """Put what is buffered on disk now, as a chunk of its own."""
        self._appending = True
        if self._buf:
            self._seal(bytes(self._buf), final=False)
            self._buf.clear()
            self._file.flush()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._seal(bytes(self._buf), final=True)
            self._buf.clear()
            self._file.truncate(self._end)
            self._file.close()
        finally:
            super().close()

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return self._end

    # chunks ------------------------------------------------------------------------
    def _seal(self, plain: bytes, *, final: bool) -> None:
        flag = FINAL if final else 0
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain, _aad(self._header, self._index, flag))
        self._file.seek(self._end)
        self._file.write(SLOT_HEAD.pack(flag, nonce, len(sealed)) + sealed)
        self._end = self._file.tell()
        self._index += 1
        self._start += len(plain)

    def _patch(self, view: memoryview) -> memoryview:
        """Write into a chunk already sealed (the muxer fixing its header): open it,
        change it, seal it again with a new nonce. Full chunks keep their size."""
        if self._appending:
            raise OSError("cannot rewrite after seal_now")
        index, at = divmod(self._pos, self._chunk)
        offset = len(self._header) + index * self._slot
        self._file.seek(offset)
        flag, nonce, length = SLOT_HEAD.unpack(self._file.read(SLOT_HEAD.size))
        aad = _aad(self._header, index, flag)
        plain = bytearray(self._aead.decrypt(nonce, self._file.read(length), aad))
        piece = view[: self._chunk - at]
        plain[at : at + len(piece)] = piece
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, bytes(plain), aad)
        self._file.seek(offset)
        self._file.write(SLOT_HEAD.pack(flag, nonce, len(sealed)) + sealed)
        self._pos += len(piece)
        return view[len(piece) :]


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def key_id_of(path: Path) -> str | None:
    """The id of the key that sealed ``path``; None for a plain file."""
    with path.open("rb") as f:
        return _read_header(f)[1] if f.read(len(MAGIC)) == MAGIC else None


def _read_header(f: io.BufferedReader) -> tuple[bytes, str, int]:
    """(header bytes, key id, chunk size), the magic already read."""
    raw = f.read(1)
    if not raw:
        raise DecryptError("truncated header")
    kid = f.read(raw[0])
    size = f.read(4)
    if len(kid) != raw[0] or len(size) != 4:
        raise DecryptError("truncated header")
    return MAGIC + raw + kid + size, kid.decode("ascii", "replace"), int.from_bytes(size, "big")


def decrypt_chunks(path: Path, ring: KeyRing, *, unfinished_ok: bool = False) -> Iterator[bytes]:
    """The plaintext of an encrypted file, chunk by chunk, each checked before it is
    yielded. ``unfinished_ok``: a file still being written (or whose writer died) ends
    at its last complete chunk instead of raising."""
    with path.open("rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise DecryptError("not an encrypted coview file")
        header, key_id, _ = _read_header(f)
        aead = ring.aead(key_id)
        index = 0
        while True:
            head = f.read(SLOT_HEAD.size)
            if len(head) < SLOT_HEAD.size:
                if unfinished_ok:
                    return
                raise DecryptError("the file was cut short")
            flag, nonce, length = SLOT_HEAD.unpack(head)
            sealed = f.read(length)
            if len(sealed) < length:
                if unfinished_ok:
                    return
                raise DecryptError("the file was cut short")
            try:
                plain = aead.decrypt(nonce, sealed, _aad(header, index, flag))
            except InvalidTag as exc:
                raise DecryptError(f"chunk {index} does not authenticate") from exc
            yield plain
            if flag == FINAL:
                if f.read(1):
                    raise DecryptError("data after the final chunk")
                return
            index += 1


def read_plain(path: Path, ring: KeyRing | None, *, unfinished_ok: bool = False) -> Iterator[bytes]:
    """A file's plaintext in pieces: decrypted when sealed, as is when it predates
    encryption (or encryption is off)."""
    if ring is not None and is_encrypted(path):
        yield from decrypt_chunks(path, ring, unfinished_ok=unfinished_ok)
        return
    with path.open("rb") as f:
        while piece := f.read(CHUNK_SIZE):
            yield piece


class PlainWriter(io.FileIO):
    """What ``Sealer.writer`` gives when encryption is off: a plain file with the same
    extra methods as ``EncryptedWriter``."""

    def seal_now(self) -> None:
        self.flush()

    @property
    def size(self) -> int:
        return (
            os.fstat(self.fileno()).st_size if not self.closed else Path(self.name).stat().st_size
        )


SealedFile = EncryptedWriter | PlainWriter


@dataclass(frozen=True)
class Sealer:
    """How this node writes and reads files about customers: sealed with the ring's
    current key, or plain when ``ring`` is None (encryption at rest turned off)."""

    ring: KeyRing | None

    @classmethod
    def load(cls, entries: tuple[str, ...], data_dir: Path, *, enabled: bool = True) -> Sealer:
        return cls(KeyRing.load(entries, data_dir) if enabled else None)

    def writer(self, path: Path) -> SealedFile:
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.ring is None:
            return PlainWriter(path, "w")
        return EncryptedWriter(path, self.ring)

    def write_bytes(self, path: Path, data: bytes) -> int:
        with self.writer(path) as out:
            out.write(data)
        return path.stat().st_size

    def read(self, path: Path, *, unfinished_ok: bool = False) -> Iterator[bytes]:
        return read_plain(path, self.ring, unfinished_ok=unfinished_ok)
