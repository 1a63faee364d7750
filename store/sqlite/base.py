"""The SQLite connection and helpers every SqliteStore part builds on.

Each part (``SqliteCore``, and one per domain) is a mixin with its own ``SCHEMA``;
``open`` creates the tables of every part in the class's MRO.

All parts share one connection. Each helper call runs its statement, reads its rows and
commits under one lock, so no coroutine commits while another's statement is still
open; a rule that needs several statements runs inside ``transaction()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import aiosqlite
from pydantic import BaseModel

from store.base import DuplicateError

M = TypeVar("M", bound=BaseModel)

_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_in_transaction", default=False
)


class SqliteBase:
    SCHEMA: ClassVar[str] = ""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # life cycle -----------------------------------------------------------------
    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self._path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        for part in reversed(type(self).__mro__):
            schema = vars(part).get("SCHEMA")
            if schema:
                await self._db.executescript(schema)
        await self._db.commit()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def ping(self) -> None:
        await self._fetchone("SELECT 1")

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("SqliteStore is not open")
        return self._db

    # helpers ----------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        if _IN_TRANSACTION.get():  # the enclosing transaction() holds the lock
            yield
            return
        async with self._lock:
            yield

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that commit together or not at all: use the helpers, or
        the connection it yields, inside the block."""
        async with self._lock:
            marker = _IN_TRANSACTION.set(True)
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                yield self.db
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise
            finally:
                _IN_TRANSACTION.reset(marker)

    async def _commit(self) -> None:
        if not _IN_TRANSACTION.get():
            await self.db.commit()

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement and commit; the number of rows it changed."""
        async with self._exclusive():
            try:
                cursor = await self.db.execute(sql, params)
            except aiosqlite.IntegrityError as exc:
                raise DuplicateError(str(exc)) from exc
            await self._commit()
            return cursor.rowcount

    async def _returning(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one ``... RETURNING`` statement, read its rows, then commit."""
        async with self._exclusive():
            try:
                rows = await self.db.execute_fetchall(sql, params)
            except aiosqlite.IntegrityError as exc:
                raise DuplicateError(str(exc)) from exc
            await self._commit()
            return [tuple(r) for r in rows]

    async def _fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    async def _fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        async with self._exclusive():
            rows = await self.db.execute_fetchall(sql, params)
        return [tuple(r) for r in rows]

    async def _get(self, model: type[M], sql: str, params: tuple[Any, ...]) -> M | None:
        row = await self._fetchone(sql, params)
        return None if row is None else model.model_validate_json(row[0])

    async def _list(self, model: type[M], sql: str, params: tuple[Any, ...]) -> list[M]:
        return [model.model_validate_json(r[0]) for r in await self._fetchall(sql, params)]
