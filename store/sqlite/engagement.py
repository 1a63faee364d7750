"""SQLite part: availability rules, the bot's conversations and CSAT answers."""

from __future__ import annotations

from datetime import datetime

from store.engagement_models import BotConversation, CsatAnswer
from store.sqlite.base import SqliteBase


class SqliteEngagement(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS rules (tenant_id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS bot_conversations (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS csat (
        escalation_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, at REAL NOT NULL,
        data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS csat_tenant_at ON csat (tenant_id, at);
    """

    async def get_rules_document(self, tenant_id: str) -> str | None:
        row = await self._fetchone("SELECT data FROM rules WHERE tenant_id = ?", (tenant_id,))
        return None if row is None else str(row[0])

    async def put_rules_document(self, tenant_id: str, document: str) -> None:
        await self._write(
            "INSERT OR REPLACE INTO rules (tenant_id, data) VALUES (?, ?)", (tenant_id, document)
        )

    async def get_bot_conversation(self, conversation_id: str) -> BotConversation | None:
        return await self._get(
            BotConversation, "SELECT data FROM bot_conversations WHERE id = ?", (conversation_id,)
        )

    async def put_bot_conversation(self, conversation: BotConversation) -> None:
        await self._write(
            "INSERT OR REPLACE INTO bot_conversations (id, data) VALUES (?, ?)",
            (conversation.id, conversation.model_dump_json()),
        )

    async def add_csat(self, answer: CsatAnswer) -> bool:
        inserted = await self._write(
            "INSERT OR IGNORE INTO csat (escalation_id, tenant_id, at, data) VALUES (?, ?, ?, ?)",
            (
                answer.escalation_id,
                answer.tenant_id,
                answer.at.timestamp(),
                answer.model_dump_json(),
            ),
        )
        return inserted == 1

    async def get_csat(self, escalation_id: str) -> CsatAnswer | None:
        return await self._get(
            CsatAnswer, "SELECT data FROM csat WHERE escalation_id = ?", (escalation_id,)
        )

    async def list_csat(self, tenant_id: str, since: datetime, until: datetime) -> list[CsatAnswer]:
        return await self._list(
            CsatAnswer,
            "SELECT data FROM csat WHERE tenant_id = ? AND at >= ? AND at < ? ORDER BY at",
            (tenant_id, since.timestamp(), until.timestamp()),
        )
