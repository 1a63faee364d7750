"""Store protocol for the bot's conversations, availability rules and CSAT answers."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from store.engagement_models import BotConversation, CsatAnswer


class EngagementStore(Protocol):
    # availability and display rules: a JSON document per tenant, validated by its owner
    async def get_rules_document(self, tenant_id: str) -> str | None: ...
    async def put_rules_document(self, tenant_id: str, document: str) -> None: ...

    # the built-in bot's memory of a conversation
    async def get_bot_conversation(self, conversation_id: str) -> BotConversation | None: ...
    async def put_bot_conversation(self, conversation: BotConversation) -> None: ...

    # customer satisfaction
    async def add_csat(self, answer: CsatAnswer) -> bool:
        """Keep the answer; False (and nothing changes) when the escalation has one."""
        ...

    async def get_csat(self, escalation_id: str) -> CsatAnswer | None: ...
    async def list_csat(self, tenant_id: str, since: datetime, until: datetime) -> list[CsatAnswer]:
        """Answers given in [since, until), oldest first."""
        ...
