"""RedisStore: shared state for several nodes. Key layout: ``store/redis/keys.py``."""

from __future__ import annotations

from store.redis.audit import RedisAudit
from store.redis.callbacks import RedisCallbacks
from store.redis.chat import RedisChat
from store.redis.cobrowse import RedisCobrowse
from store.redis.conversion import RedisConversion
from store.redis.core import RedisCore
from store.redis.engagement import RedisEngagement
from store.redis.escalations import RedisEscalations
from store.redis.privacy import RedisPrivacy
from store.redis.retention import RedisRetention
from store.redis.settings import RedisSettings
from store.redis.subjects import RedisSubjects
from store.redis.webhooks import RedisWebhooks


class RedisStore(
    RedisCore,
    RedisChat,
    RedisAudit,
    RedisSettings,
    RedisCallbacks,
    RedisEscalations,
    RedisEngagement,
    RedisConversion,
    RedisWebhooks,
    RedisCobrowse,
    RedisPrivacy,
    RedisSubjects,
    RedisRetention,
):
    """Every part of the store on one Redis; domain parts are added as bases."""


__all__ = ["RedisStore"]
