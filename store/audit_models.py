"""The admin audit log: who changed which setting, when, and how."""

from __future__ import annotations

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
