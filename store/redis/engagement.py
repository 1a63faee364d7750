"""Redis part: availability rules, the bot's conversations and CSAT answers."""

from __future__ import annotations

from datetime import datetime

from store.engagement_models import BotConversation, CsatAnswer
from store.redis.base import RedisBase, _text
from store.redis.cache import LocalCache

BOT_CONVERSATION_TTL_S = 7 * 86_400  # an idle conversation is forgotten after a week


class RedisEngagement(RedisBase):
    # every create reads its organisation's rules: a local copy (``store/redis/cache.py``)
    _rules: LocalCache[str]

    def _register_scripts(self) -> None:
        self._rules = LocalCache()
        self.invalidations.handle(
            "rules", lambda tenant_id, _: self._rules.drop(tenant_id), self._rules.clear
        )

    async def get_rules_document(self, tenant_id: str) -> str | None:
        return await self._through(self._rules, tenant_id, lambda: self._read_rules(tenant_id))

    async def _read_rules(self, tenant_id: str) -> str | None:
        raw = await self.redis.get(self.keys.rules(tenant_id))
        return None if raw is None else _text(raw)

    async def put_rules_document(self, tenant_id: str, document: str) -> None:
        key = self.keys.rules(tenant_id)
        await self._write_and_announce(lambda pipe: pipe.set(key, document), "rules", tenant_id)

    async def get_bot_conversation(self, conversation_id: str) -> BotConversation | None:
        return await self._get(BotConversation, self.keys.bot_conversation(conversation_id))

    async def put_bot_conversation(self, conversation: BotConversation) -> None:
        await self.redis.set(
            self.keys.bot_conversation(conversation.id),
            conversation.model_dump_json(),
            ex=BOT_CONVERSATION_TTL_S,
        )

    async def add_csat(self, answer: CsatAnswer) -> bool:
        if not await self.redis.set(
            self.keys.csat(answer.escalation_id), answer.model_dump_json(), nx=True
        ):
            return False
        await self.redis.zadd(
            self.keys.tenant_csat(answer.tenant_id), {answer.escalation_id: answer.at.timestamp()}
        )
        return True

    async def get_csat(self, escalation_id: str) -> CsatAnswer | None:
        return await self._get(CsatAnswer, self.keys.csat(escalation_id))

    async def list_csat(self, tenant_id: str, since: datetime, until: datetime) -> list[CsatAnswer]:
        ids = await self.redis.zrangebyscore(
            self.keys.tenant_csat(tenant_id), since.timestamp(), f"({until.timestamp()}"
        )
        return await self._get_many(CsatAnswer, [self.keys.csat(str(i)) for i in ids])
