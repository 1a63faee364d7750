"""The SQLite connection and helpers every SqliteStore part builds on.

Each part (``SqliteCore``, and one per domain) is a mixin with its own ``SCHEMA``;
``open`` creates the tables of every part in the class's MRO. Every multi-row rule is
one SQL statement, so no two coroutines can interleave on the shared connection; a
part that needs several statements in one transaction uses ``transaction()``, whose lock
``_write`` also takes, so no other commit lands in the middle.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import aiosqlite
from pydantic import BaseModel

from store.base import DuplicateError

M = TypeVar("M", bound=BaseModel)


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
    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        async with self._lock:
            try:
                cursor = await self.db.execute(sql, params)
            except aiosqlite.IntegrityError as exc:
                raise DuplicateError(str(exc)) from exc
            await self.db.commit()
            return cursor.rowcount

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements committed together (rolled back on an exception)."""
        async with self._lock:
            try:
                yield self.db
            except BaseException:
                await self.db.rollback()
                raise
            await self.db.commit()

    async def _fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        async with self.db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return None if row is None else tuple(row)

    async def _fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        async with self.db.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return [tuple(r) for r in rows]

    async def _get(self, model: type[M], sql: str, params: tuple[Any, ...]) -> M | None:
        row = await self._fetchone(sql, params)
        return None if row is None else model.model_validate_json(row[0])

    async def _list(self, model: type[M], sql: str, params: tuple[Any, ...]) -> list[M]:
        return [model.model_validate_json(r[0]) for r in await self._fetchall(sql, params)]
