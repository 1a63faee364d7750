"""Chooses the Store implementation once, from plain settings (the server maps its
configuration onto them: ``server/app.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from store.base import Store
from store.redis.connection import RedisTarget


def open_store(
    kind: Literal["sqlite", "redis"],
    *,
    data_dir: Path,
    redis: RedisTarget | None = None,
    prefix: str = "coview:",
) -> Store:
    """The SQLite store keeps ``coview.sqlite3`` in ``data_dir``; the Redis store needs
    ``redis`` and namespaces every key with ``prefix``."""
    if kind == "redis":
        from store.redis import RedisStore

        return RedisStore(redis or RedisTarget(), prefix=prefix)
    from store.sqlite import SqliteStore

    return SqliteStore(data_dir / "coview.sqlite3")
