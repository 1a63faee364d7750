"""The audit log: who changed which setting, when, and how; and who looked at what
about a customer (recordings listed, replayed, downloaded; sessions observed; data
exported or erased). Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field

from store.models import Record, utcnow


class AuditEvent(Record):
    id: str
    tenant_id: str
    actor_id: str
    actor_name: str
    action: str  # e.g. "site.created", "agent.updated"
    target_type: str
    target_id: str
    changes: dict[str, Any] = Field(default_factory=dict)  # field -> new value (secrets omitted)
    at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class AuditFilter:
    """``action`` matches itself and its family (``recording`` matches
    ``recording.replayed``); ``since`` inclusive, ``until`` exclusive."""

    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100

    def matches(self, event: AuditEvent) -> bool:
        return (
            (self.actor_id is None or event.actor_id == self.actor_id)
            and (
                self.action is None
                or event.action == self.action
                or event.action.startswith(self.action + ".")
            )
            and (self.since is None or event.at >= self.since)
            and (self.until is None or event.at < self.until)
        )
