"""The SQLite connection and helpers every SqliteStore part builds on.

Each part (``SqliteCore``, and one per domain) is a mixin with its own ``SCHEMA``;
``open`` creates the tables of every part in the class's MRO.

Statements run on the event loop's thread with the stdlib driver. A statement on this
embedded store takes microseconds (WAL, ``synchronous=NORMAL``: a commit does not
fsync), while handing each one to a worker thread (aiosqlite) cost a thread round trip
and a lock held across it: measured by ``bench/escalation.py``, ~175 round trips per
escalation capped one process at ~40 creates/s with the loop mostly idle. Because no
helper awaits in the middle of a statement, nothing else on the loop can interleave
with one, and ``transaction()`` (a synchronous block) is atomic for the same reason.
The connection runs in autocommit mode; ``transaction()`` brackets its block with
``BEGIN IMMEDIATE`` / ``COMMIT`` and rolls back on any error.

WAL checkpoints (copying the log back into the database file, with an fsync) are not
left to SQLite's automatic ones, which run inside whichever commit crosses the log's
size and stalled the loop for 15 ms or more each time (a commit: ~135 µs on average with
them, ~60 µs without). A task checkpoints every ``CHECKPOINT_EVERY_S`` on its own
connection in a worker thread (the driver releases the GIL), in PASSIVE mode, so it
never waits for or blocks the loop's writes. A passive checkpoint copies the frames
that existed when it began; under sustained writes new ones always arrive meanwhile,
so the log was never complete, never restarted, and grew without bound (200 MB in a
20 s bench). So the thread repeats its pass until only a few frames are left
(``CATCH_UP_FRAMES``), and the loop copies those few itself (a fraction of a
millisecond, not the 15 ms of a whole checkpoint): the log is then complete and the
next commit starts it again from the beginning.

Rows hold a record as JSON; parsing it is most of a read's cost (an escalation with its
context: tens of µs, against a few for the statement). Records are frozen, so a parse
is kept per exact JSON text (``store/parse_cache.py``) and the same text read again, e.g. the
escalation every request of its life reads, is not validated again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from store.base import DuplicateError
from store.parse_cache import ParseCache

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("coview.store")
CHECKPOINT_EVERY_S = 1.0
CATCH_UP_FRAMES = 256  # at most this many left for the loop to copy (~1 MB)
CATCH_UP_PASSES = 8
WAL_SIZE_LIMIT = 8 * 2**20


class SqliteBase:
    SCHEMA: ClassVar[str] = ""
    # table -> {column: declaration}: columns a later version added to a SCHEMA table
    ADDED_COLUMNS: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._parsed = ParseCache()
        self._parse = self._parsed.parse
        self._checkpoints: asyncio.Task[None] | None = None

    # life cycle -----------------------------------------------------------------
    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; multi-statement rules use transaction().
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA wal_autocheckpoint=0")  # see the module docstring
        # A restarted log is cut back to this size (it otherwise keeps its high mark).
        self._db.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        for part in reversed(type(self).__mro__):
            schema = vars(part).get("SCHEMA")
            if schema:
                self._db.executescript(schema)
            for table, columns in vars(part).get("ADDED_COLUMNS", {}).items():
                self._add_missing_columns(table, columns)
        self._checkpoints = asyncio.create_task(self._checkpoint_loop())

    def _add_missing_columns(self, table: str, columns: dict[str, str]) -> None:
        """A file made by an older version gets the columns added since (``CREATE TABLE
        IF NOT EXISTS`` leaves an existing table as it was)."""
        assert self._db is not None
        have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
        for name, declaration in columns.items():
            if name not in have:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")

    async def _checkpoint_loop(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        running: asyncio.Future[int | None] | None = None
        try:
            while True:
                await asyncio.sleep(CHECKPOINT_EVERY_S)
                running = asyncio.ensure_future(asyncio.to_thread(self._checkpoint, db))
                left = await asyncio.shield(running)
                if left is not None and left <= CATCH_UP_FRAMES and self._db is not None:
                    # The thread counted against the log as its last pass began; what
                    # was committed since is copied here, where no commit can interleave.
                    self._checkpoint(self._db, passes=1)
        finally:
            if running is not None and not running.done():
                await asyncio.wait([running])  # the thread still uses the connection
            db.close()

    @staticmethod
    def _checkpoint(db: sqlite3.Connection, passes: int = CATCH_UP_PASSES) -> int | None:
        """Passive checkpoints until at most ``CATCH_UP_FRAMES`` frames are left; how
        many are (None when it failed)."""
        try:
            for _ in range(passes):
                _, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames - copied <= CATCH_UP_FRAMES:
                    break
            return int(frames - copied)
        except sqlite3.Error:
            log.warning("WAL checkpoint failed; the next one tries again", exc_info=True)
            return None

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            self._checkpoints = None
        if self._db is not None:
            self._db.close()  # the last connection to close checkpoints the rest
            self._db = None

    async def ping(self) -> None:
        await self._fetchone("SELECT 1")

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("SqliteStore is not open")
        return self._db

    # helpers ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Several statements that commit together or not at all. Keep the block free
        of awaits that really suspend (the store's own helpers never do), so no other
        coroutine's statement lands inside this transaction."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except sqlite3.IntegrityError as exc:
            db.execute("ROLLBACK")
            raise DuplicateError(str(exc)) from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement (committed at once); the number of rows it changed."""
        try:
            return self.db.execute(sql, params).rowcount
        except sqlite3.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc

    async def _returning(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one ``... RETURNING`` statement and read its rows (committed at once)."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc

    async def _fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.db.execute(sql, params).fetchone()
        return row

    async def _fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    async def _get(self, model: type[M], sql: str, params: tuple[Any, ...]) -> M | None:
        row = await self._fetchone(sql, params)
        return None if row is None else self._parse(model, row[0])

    async def _list(self, model: type[M], sql: str, params: tuple[Any, ...]) -> list[M]:
        parse = self._parse
        return [parse(model, r[0]) for r in await self._fetchall(sql, params)]
