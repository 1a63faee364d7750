"""RedisStore: shared state for several nodes. Key layout: ``store/redis/keys.py``."""

from __future__ import annotations

from store.redis.audit import RedisAudit
from store.redis.chat import RedisChat
from store.redis.core import RedisCore


class RedisStore(
    RedisCore,
    RedisChat,
    RedisAudit,
):
    """Every part of the store on one Redis; domain parts are added as bases."""


__all__ = ["RedisStore"]
