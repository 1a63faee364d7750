"""How the text channel hands customer messages to a bot, without depending on one."""

from __future__ import annotations

from typing import Protocol

from store.chat_models import ChatMessage, Conversation


class ChatBot(Protocol):
    async def on_customer_message(self, conversation: Conversation, message: ChatMessage) -> None:
        """Answer (or hand off) a customer message in a conversation still with the bot."""
        ...
