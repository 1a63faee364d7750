"""The text channel's part of the store."""

from __future__ import annotations

from typing import Protocol

from store.chat_models import ChatMessage, Conversation


class ChatStore(Protocol):
    async def create_conversation(self, conversation: Conversation) -> None: ...
    async def get_conversation(self, conversation_id: str) -> Conversation | None: ...
    async def update_conversation(self, conversation: Conversation) -> None: ...
    async def append_message(self, message: ChatMessage) -> ChatMessage:
        """Store the message with the next sequence number (the ``seq`` given is ignored)
        and return it; a message whose ``client_id`` was already stored in this
        conversation is returned as first stored, not stored twice."""
        ...

    async def list_messages(
        self, conversation_id: str, after_seq: int = 0, limit: int = 500
    ) -> list[ChatMessage]:
        """Messages with seq > after_seq, in order."""
        ...
