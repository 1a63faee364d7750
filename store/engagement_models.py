"""Records of the engagement features around escalations: the built-in bot's
conversations, CSAT answers and webhook subscriptions with their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from store.models import Record, utcnow

DeliveryStatus = Literal["pending", "delivered", "failed"]


class BotMessage(Record):
    role: Literal["customer", "bot"]
    text: str
    at: datetime = Field(default_factory=utcnow)
    intent: str | None = None
    confidence: float | None = None


class BotConversation(Record):
    """What the built-in bot remembers about one conversation."""

    id: str  # the conversation id
    tenant_id: str
    language: str = "en"
    transcript: list[BotMessage] = Field(default_factory=list)
    failed: int = 0  # messages the bot could not understand
    escalation_id: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class CsatAnswer(Record):
    escalation_id: str
    tenant_id: str
    score: int = Field(ge=1, le=5)
    comment: str = ""
    agent_id: str | None = None
    queue: str | None = None
    at: datetime = Field(default_factory=utcnow)


class WebhookEndpoint(Record):
    id: str
    tenant_id: str
    url: str
    secret: str  # "whsec_" + base64 of the signing key
    event_types: list[str] = Field(default_factory=list)  # empty: every event
    description: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class DeliveryAttempt(Record):
    at: datetime
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


class WebhookDelivery(Record):
    """One message to one endpoint; retried until delivered or out of attempts."""

    id: str  # the webhook-id header: the same on every retry
    tenant_id: str
    endpoint_id: str
    event_type: str
    body: str  # the exact JSON that is signed and sent
    escalation_id: str | None = None  # whom it is about: found and erased with the customer
    status: DeliveryStatus = "pending"
    next_attempt_at: datetime | None = None  # when pending: due time (or lease end)
    attempts: list[DeliveryAttempt] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
