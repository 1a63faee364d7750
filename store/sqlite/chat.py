"""Conversations and messages on SQLite; the next seq is computed inside the INSERT."""

from __future__ import annotations

from store.base import DuplicateError
from store.chat_models import ChatMessage, Conversation
from store.sqlite.base import SqliteBase
from store.sqlite.subjects import index_subject
from store.subjects import conversation_keys


class SqliteChat(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS chat_messages (
        conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT,
        data TEXT NOT NULL, PRIMARY KEY (conversation_id, seq));
    CREATE UNIQUE INDEX IF NOT EXISTS chat_messages_client
        ON chat_messages (conversation_id, client_id) WHERE client_id IS NOT NULL;
    """

    async def create_conversation(self, conversation: Conversation) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO conversations (id, data) VALUES (?, ?)",
                (conversation.id, conversation.model_dump_json()),
            )
            keys = conversation_keys(conversation)
            index_subject(db, conversation.tenant_id, keys, f"conversation:{conversation.id}")

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        return await self._get(
            Conversation, "SELECT data FROM conversations WHERE id = ?", (conversation_id,)
        )

    async def update_conversation(self, conversation: Conversation) -> None:
        await self._write(
            "UPDATE conversations SET data = ? WHERE id = ?",
            (conversation.model_dump_json(), conversation.id),
        )

    async def append_message(self, message: ChatMessage) -> ChatMessage:
        if message.client_id is not None:
            existing = await self._messages(
                "WHERE conversation_id = ? AND client_id = ?",
                (message.conversation_id, message.client_id),
            )
            if existing:
                return existing[0]
        # One statement: the next seq is read and written atomically.
        try:
            rows = await self._returning(
                "INSERT INTO chat_messages (conversation_id, seq, client_id, data) "
                "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM chat_messages "
                "WHERE conversation_id = ? RETURNING seq",
                (
                    message.conversation_id,
                    message.client_id,
                    message.model_dump_json(),
                    message.conversation_id,
                ),
            )
        except DuplicateError:  # the same client id raced in: the first one stands
            stored = await self._messages(
                "WHERE conversation_id = ? AND client_id = ?",
                (message.conversation_id, message.client_id),
            )
            return stored[0]
        row = rows[0]
        return message.model_copy(update={"seq": int(row[0])})

    async def _messages(self, where: str, params: tuple[object, ...]) -> list[ChatMessage]:
        """Messages with their seq from its column (the JSON holds the sender's value)."""
        rows = await self._fetchall(f"SELECT seq, data FROM chat_messages {where}", params)
        return [
            ChatMessage.model_validate_json(data).model_copy(update={"seq": seq})
            for seq, data in rows
        ]

    async def list_messages(
        self, conversation_id: str, after_seq: int = 0, limit: int = 500
    ) -> list[ChatMessage]:
        return await self._messages(
            "WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (conversation_id, after_seq, limit),
        )
