"""The access audit: who listed, replayed or downloaded which recording, who observed
which session, who exported or erased whose data. Kept in the same append-only log as
admin changes (``store/audit_models.py``), filterable in /admin and exportable as CSV.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web
from pydantic import Field, field_validator

from server.platform.keys import STORE
from server.platform.validation import ApiModel
from store.audit_models import AuditEvent, AuditFilter

# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_COLUMNS = ("at", "actor_id", "actor_name", "action", "target_type", "target_id", "changes")


class Actor(Protocol):
    """Who accessed: an agent's principal, or the viewer behind a signed link."""

    @property
    def agent_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...


async def record_access(
    app: web.Application,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        id="au_" + secrets.token_urlsafe(9),
        tenant_id=actor.tenant_id,
        actor_id=actor.agent_id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        changes=details or {},
    )
    await app[STORE].append_audit(event)
    return event


class AuditQuery(ApiModel):
    """``GET /api/admin/audit`` filters (query string)."""

    limit: int = Field(default=100, ge=1, le=10_000)
    actor: str | None = Field(default=None, min_length=1, max_length=100)
    action: str | None = Field(default=None, min_length=1, max_length=100)
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None

    @field_validator("from_", "to")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A time without a zone is UTC."""
        return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value

    def as_filter(self) -> AuditFilter:
        return AuditFilter(self.actor, self.action, self.from_, self.to, self.limit)


def neutralised(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is quoted."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def audit_csv(events: Iterable[AuditEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event.model_dump(mode="json")
        changes = event.model_dump_json(include={"changes"})[len('{"changes":') : -1]
        cells = [*(str(row[c]) for c in CSV_COLUMNS[:-1]), changes]
        writer.writerow([neutralised(cell) for cell in cells])
    return out.getvalue()
