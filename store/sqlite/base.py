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
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from store.base import DuplicateError

M = TypeVar("M", bound=BaseModel)


class SqliteBase:
    SCHEMA: ClassVar[str] = ""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None

    # life cycle -----------------------------------------------------------------
    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; multi-statement rules use transaction().
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        for part in reversed(type(self).__mro__):
            schema = vars(part).get("SCHEMA")
            if schema:
                self._db.executescript(schema)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
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
        return None if row is None else model.model_validate_json(row[0])

    async def _list(self, model: type[M], sql: str, params: tuple[Any, ...]) -> list[M]:
        return [model.model_validate_json(r[0]) for r in await self._fetchall(sql, params)]
