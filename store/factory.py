"""Chooses the Store implementation once, from configuration."""

from __future__ import annotations

from server.config import Config
from store.base import Store


def open_store(config: Config) -> Store:
    if config.store == "redis":
        from store.redis import RedisStore
        from store.redis.connection import RedisTarget

        return RedisStore(RedisTarget.from_config(config), prefix=config.redis_prefix)
    from store.sqlite import SqliteStore

    return SqliteStore(config.data_dir / "coview.sqlite3")
