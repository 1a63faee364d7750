"""Settings documents on Redis."""

from __future__ import annotations

import json
from typing import Any

from store.redis.base import RedisBase


class RedisSettings(RedisBase):
    async def get_setting(self, tenant_id: str, name: str) -> dict[str, Any] | None:
        raw = await self.redis.get(self.keys.setting(tenant_id, name))
        return None if raw is None else dict(json.loads(raw))

    async def put_setting(self, tenant_id: str, name: str, value: dict[str, Any]) -> None:
        await self.redis.set(self.keys.setting(tenant_id, name), json.dumps(value))
