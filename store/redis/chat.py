"""Conversations and messages on Redis; appending is one Lua script (seq + dedupe)."""

from __future__ import annotations

from store.chat_models import ChatMessage, Conversation
from store.redis.base import RedisBase
from store.subjects import conversation_keys

# KEYS[1] messages list, KEYS[2] client-id hash. ARGV[1] client id ("" for none),
# ARGV[2] message JSON with a "seq" placeholder of 0.
APPEND_MESSAGE = """
if ARGV[1] ~= '' then
  local seen = redis.call('HGET', KEYS[2], ARGV[1])
  if seen then return redis.call('LINDEX', KEYS[1], tonumber(seen) - 1) end
end
local seq = redis.call('LLEN', KEYS[1]) + 1
local msg = cjson.decode(ARGV[2])
msg['seq'] = seq
local stored = cjson.encode(msg)
redis.call('RPUSH', KEYS[1], stored)
if ARGV[1] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], seq) end
return stored
"""


class RedisChat(RedisBase):
    def _register_scripts(self) -> None:
        self._append_message = self.redis.register_script(APPEND_MESSAGE)

    async def create_conversation(self, conversation: Conversation) -> None:
        ref = f"conversation:{conversation.id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in conversation_keys(conversation):
                pipe.sadd(self.keys.subject(conversation.tenant_id, key), ref)
            pipe.set(
                self.keys.conversation(conversation.id), conversation.model_dump_json(), nx=True
            )
            await pipe.execute()

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        return await self._get(Conversation, self.keys.conversation(conversation_id))

    async def update_conversation(self, conversation: Conversation) -> None:
        await self.redis.set(
            self.keys.conversation(conversation.id), conversation.model_dump_json(), xx=True
        )

    async def append_message(self, message: ChatMessage) -> ChatMessage:
        stored = await self._append_message(
            keys=[
                self.keys.conversation_messages(message.conversation_id),
                self.keys.conversation_client_ids(message.conversation_id),
            ],
            args=[message.client_id or "", message.model_dump_json()],
        )
        return ChatMessage.model_validate_json(stored)

    async def list_messages(
        self, conversation_id: str, after_seq: int = 0, limit: int = 500
    ) -> list[ChatMessage]:
        raws = await self.redis.lrange(
            self.keys.conversation_messages(conversation_id), after_seq, after_seq + limit - 1
        )
        return [ChatMessage.model_validate_json(r) for r in raws]
