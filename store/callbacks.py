"""Callback requests: what a customer leaves when visual help is not offered to them
(outside business hours, a tier or page the rules exclude) and the organisation's
alternative is a callback. Agents work through the open ones."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import Field

from store.models import Record, utcnow
from store.values import WebUrl

CallbackStatus = Literal["open", "done"]


class CallbackRequest(Record):
    id: str
    tenant_id: str
    name: str
    phone: str
    preferred_time: str | None = None
    note: str | None = None
    language: str | None = None
    reason: str | None = None  # why visual help was not offered (closed, no_agents, ...)
    page_url: WebUrl | None = None
    customer_id: str | None = None
    tier: str | None = None
    verified: bool | None = None  # whether customer_id/tier were signed by the site
    status: CallbackStatus = "open"
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None
    done_by: str | None = None


class CallbackStore(Protocol):
    async def create_callback(self, callback: CallbackRequest) -> None: ...
    async def get_callback(self, callback_id: str) -> CallbackRequest | None: ...
    async def update_callback(self, callback: CallbackRequest) -> None: ...
    async def list_callbacks(
        self, tenant_id: str, status: CallbackStatus | None = None, limit: int = 100
    ) -> list[CallbackRequest]:
        """Oldest first (the customer who waited longest is called first)."""
        ...
