"""Data subjects on SQLite: the subject index (``store/subjects.py``) and the erasure
steps. Index rows are written in the same transaction as the record they point to."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from store.engagement_models import CsatAnswer, WebhookDelivery
from store.escalation_models import Escalation, EscalationEvent
from store.sqlite.base import SqliteBase
from store.subjects import Ref, anonymised_event_data


def index_subject(db: sqlite3.Connection, tenant_id: str, keys: Sequence[str], ref: str) -> None:
    """Inside the transaction that writes the record ``ref`` names."""
    db.executemany(
        "INSERT OR IGNORE INTO subjects (tenant_id, key, ref) VALUES (?, ?, ?)",
        [(tenant_id, key, ref) for key in keys],
    )


class SqliteSubjects(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS subjects (
        tenant_id TEXT NOT NULL, key TEXT NOT NULL, ref TEXT NOT NULL,
        PRIMARY KEY (tenant_id, key, ref)) WITHOUT ROWID;
    """

    async def subject_refs(
        self, tenant_id: str, keys: Sequence[str], limit: int = 10_000
    ) -> list[Ref]:
        if not keys:
            return []
        marks = ", ".join("?" * len(keys))
        rows = await self._fetchall(
            f"SELECT DISTINCT ref FROM subjects WHERE tenant_id = ? AND key IN ({marks}) "
            "ORDER BY ref LIMIT ?",
            (tenant_id, *keys, limit),
        )
        return [ref for (raw,) in rows if (ref := Ref.parse(raw)) is not None]

    async def forget_subject_refs(self, tenant_id: str, keys: Sequence[str], ref: Ref) -> None:
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM subjects WHERE tenant_id = ? AND key = ? AND ref = ?",
                [(tenant_id, key, str(ref)) for key in keys],
            )

    async def anonymise_escalation(self, escalation: Escalation) -> bool:
        with self.transaction() as db:
            row = db.execute(
                "SELECT seq FROM escalations WHERE id = ?", (escalation.id,)
            ).fetchone()
            if row is None or row[0] != escalation.seq:
                return False
            db.execute(
                "UPDATE escalations SET customer_id = NULL, data = ? WHERE id = ?",
                (escalation.model_dump_json(), escalation.id),
            )
            events = db.execute(
                "SELECT seq, data FROM escalation_events WHERE escalation_id = ?",
                (escalation.id,),
            ).fetchall()
            db.executemany(
                "UPDATE escalation_events SET data = ? WHERE escalation_id = ? AND seq = ?",
                [(_stripped(raw), escalation.id, seq) for seq, raw in events],
            )
        return True

    async def delete_conversation(self, conversation_id: str) -> int:
        with self.transaction() as db:
            found = db.execute(
                "DELETE FROM conversations WHERE id = ?", (conversation_id,)
            ).rowcount
            messages = db.execute(
                "DELETE FROM chat_messages WHERE conversation_id = ?", (conversation_id,)
            ).rowcount
            db.execute("DELETE FROM bot_conversations WHERE id = ?", (conversation_id,))
        return messages if found else -1

    async def delete_callback(self, callback_id: str) -> bool:
        return await self._write("DELETE FROM callbacks WHERE id = ?", (callback_id,)) == 1

    async def scrub_csat(self, escalation_id: str) -> bool:
        answer = await self._get(
            CsatAnswer, "SELECT data FROM csat WHERE escalation_id = ?", (escalation_id,)
        )
        if answer is None:
            return False
        scrubbed = answer.model_copy(update={"comment": ""})
        await self._write(
            "UPDATE csat SET data = ? WHERE escalation_id = ?",
            (scrubbed.model_dump_json(), escalation_id),
        )
        return True

    async def deliveries_for_escalation(self, escalation_id: str) -> list[WebhookDelivery]:
        return await self._list(
            WebhookDelivery,
            "SELECT data FROM webhook_deliveries "
            "WHERE json_extract(data, '$.escalation_id') = ? ORDER BY created, id",
            (escalation_id,),
        )

    async def delete_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        with self.transaction() as db:
            return sum(
                db.execute("DELETE FROM webhook_deliveries WHERE id = ?", (d.id,)).rowcount
                for d in deliveries
            )


def _stripped(raw: str) -> str:
    """The event with only the data the KPIs read: type, time, actor stay."""
    event = EscalationEvent.model_validate_json(raw)
    return event.model_copy(update={"data": anonymised_event_data(event.data)}).model_dump_json()
