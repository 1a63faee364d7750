"""Records of proactive invitations and assisted conversion: what a visitor's widget
reported (invitations shown, accepted, dismissed; checkout steps), purchases with their
attribution, and the live visitors an agent may invite."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from pydantic import Field

from store.models import Record, utcnow

VisitorEventKind = Literal[
    "invitation_shown", "invitation_accepted", "invitation_dismissed", "checkout_step"
]
Attribution = Literal["assisted", "invited", "unassisted"]


def event_id() -> str:
    return "ve_" + secrets.token_urlsafe(12)


class VisitorEvent(Record):
    id: str = Field(default_factory=event_id)
    tenant_id: str
    visitor_id: str  # the widget's random id for this browser (not personal data)
    kind: VisitorEventKind
    rule_id: str | None = None
    modality: str | None = None
    step: str | None = None  # checkout_step: the integrator's step name
    page: str | None = None  # a path, never a query string
    at: datetime = Field(default_factory=utcnow)


class Purchase(Record):
    """One order, kept once per (tenant, order id); the attribution is decided when
    the purchase is reported (escalation/engagement/attribution.py)."""

    tenant_id: str
    order_id: str
    visitor_id: str
    customer_id: str | None = None  # only a verified id
    total: float
    currency: str
    at: datetime = Field(default_factory=utcnow)
    attribution: Attribution = "unassisted"
    invitation_outcome: Literal["dismissed", "ignored"] | None = None  # when "invited"
    escalation_id: str | None = None
    agent_id: str | None = None
    trigger: str | None = None
    modality: str | None = None
    rule_id: str | None = None


class AgentInvitation(Record):
    """An agent's invitation waiting for the visitor's widget to show it."""

    agent_id: str
    agent_name: str
    modality: str
    at: datetime = Field(default_factory=utcnow)


class LiveVisitor(Record):
    """A visitor on a page a "watch" rule matches, as its widget last reported."""

    id: str  # the visitor id
    tenant_id: str
    rule_id: str
    page: str
    title: str = ""
    time_on_page_s: int = 0
    cart_total: float | None = None
    cart_items: int = 0
    currency: str | None = None
    customer_name: str | None = None  # only what the integrator identified
    language: str | None = None
    seen_at: datetime = Field(default_factory=utcnow)
    invitation: AgentInvitation | None = None
