"""RedisStore: shared state for several nodes. Key layout: ``store/redis/keys.py``."""

from __future__ import annotations

from store.redis.cobrowse import RedisCobrowse
from store.redis.core import RedisCore


class RedisStore(RedisCobrowse, RedisCore):
    """Every part of the store on one Redis; domain parts are added as bases."""


__all__ = ["RedisStore"]
