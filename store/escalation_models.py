"""Escalation records: the escalation, its audit events, agent routing load, deadlines
and idempotency keys. Shared by both store backends and the escalation package."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from store.models import Modality, Record, Session, utcnow
from store.values import StrictModel, WebUrl

State = Literal[
    "requested",
    "queued",
    "offered",
    "accepted",
    "connecting",
    "in_session",
    "wrap_up",
    "completed",
    "ineligible",
    "abandoned",
    "expired",
    "failed",
    "cancelled",
]
Channel = Literal["chat", "voice", "web"]
Trigger = Literal["bot", "customer", "agent", "proactive"]
# offer, relax and queue belong to an escalation; bot_reply to a conversation waiting
# for the tenant's own bot (escalation/chat/external_bot.py).
DeadlineKind = Literal["offer", "relax", "queue", "bot_reply", "reconnect"]
WriteResult = Literal["ok", "conflict", "full"]

# Capacity is counted in these units; screen share costs what video costs.
LOAD_UNITS: tuple[str, ...] = ("chat", "video", "cobrowse")


def load_units(modalities: Iterable[str]) -> tuple[str, ...]:
    """The capacity units an escalation with ``modalities`` occupies."""
    wanted = {"video" if m == "screen" else m for m in modalities}
    units = tuple(u for u in LOAD_UNITS if u in wanted)
    return units or ("chat",)


# --- context: what the customer already said and did --------------------------------
class TranscriptEntry(StrictModel):
    role: Literal["customer", "bot", "agent", "system"]
    text: str = Field(max_length=8_000)
    at: str | None = Field(default=None, max_length=40)


class PageInfo(StrictModel):
    url: WebUrl = Field(default="", max_length=4_096)
    title: str = Field(default="", max_length=1_000)


class CartItem(StrictModel):
    name: str = Field(max_length=500)
    sku: str | None = Field(default=None, max_length=200)
    quantity: int = Field(default=1, ge=0, le=1_000_000)
    price: float | None = None


class Cart(StrictModel):
    items: list[CartItem] = Field(default_factory=list, max_length=500)
    total: float | None = None
    currency: str | None = Field(default=None, max_length=8)


VerifiedBy = Literal["hmac", "jwt", "api_key", "agent"]


class CustomerInfo(StrictModel):
    id: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    tier: str | None = Field(default=None, max_length=50)
    language: str | None = Field(default=None, max_length=16)
    email: str | None = Field(default=None, max_length=254)
    # Proof from the site's backend (server/platform/auth/identity.py): read on the way in, never
    # written out (not stored, not in any answer or webhook).
    user_hash: str | None = Field(default=None, max_length=128, exclude=True)
    identity_token: str | None = Field(default=None, max_length=4_096, exclude=True)
    # Set by the server, whatever a client sends: whether id/tier/email were signed.
    verified: bool | None = None
    verified_by: VerifiedBy | None = None


class BotInfo(StrictModel):
    intent: str | None = Field(default=None, max_length=200)
    confidence: float | None = Field(default=None, ge=0, le=1)
    name: str | None = Field(default=None, max_length=200)


class Context(StrictModel):
    transcript: list[TranscriptEntry] = Field(default_factory=list)
    page: PageInfo | None = None
    cart: Cart | None = None
    customer: CustomerInfo | None = None
    bot: BotInfo | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class Note(Record):
    by: str
    text: str
    at: datetime = Field(default_factory=utcnow)


class WrapUp(Record):
    notes: str = ""
    disposition: str | None = None
    by: str


_PUBLIC_VIEWS: dict[int, tuple[Escalation, dict[str, Any]]] = {}  # by id(), record kept alive
_PUBLIC_VIEWS_KEPT = 32


class Escalation(Record):
    id: str
    tenant_id: str
    channel: Channel
    trigger: Trigger
    modalities: list[Modality]
    session_id: str
    conversation_id: str | None = None
    context: Context = Field(default_factory=Context)
    skills: list[str] = Field(default_factory=list)
    language: str | None = None
    priority: int = 0
    state: State = "requested"
    agent_id: str | None = None
    offered_to: str | None = None
    offer_expires_at: datetime | None = None
    declined_by: list[str] = Field(default_factory=list)  # never offered to them again
    missed_by: list[str] = Field(default_factory=list)  # offers they let expire
    skills_relaxed: bool = False
    queued_at: datetime | None = None
    customer_id: str | None = None
    reason: str | None = None  # why it is ineligible, failed...
    alternative: str | None = None  # offered instead when ineligible (callback, message)
    notes: list[Note] = Field(default_factory=list)  # transfer notes
    wrap_up: WrapUp | None = None
    # the agent's open request for help (raise hand): set by a help_requested fact,
    # cleared by the help_answered fact for it; a newer request replaces it
    help_request_id: str | None = None
    timestamps: dict[str, datetime] = Field(default_factory=dict)  # first entry per state
    seq: int = 0  # seq of its last event: the compare-and-set version
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def units(self) -> tuple[str, ...]:
        return load_units(self.modalities)

    def public(self) -> dict[str, Any]:
        """The record as agents and integrations see it. One write's record goes to the
        console feed, webhooks and the HTTP response alike, so the dump is kept for the
        last few records (frozen: it cannot go stale); each caller gets its own copy of
        the top level."""
        hit = _PUBLIC_VIEWS.get(id(self))
        if hit is None or hit[0] is not self:
            hit = (self, self.model_dump(mode="json", exclude={"seq"}))
            _PUBLIC_VIEWS[id(self)] = hit
            if len(_PUBLIC_VIEWS) > _PUBLIC_VIEWS_KEPT:
                del _PUBLIC_VIEWS[next(iter(_PUBLIC_VIEWS))]
        return dict(hit[1])

    def customer_view(self) -> dict[str, Any]:
        """What the customer may see: no routing internals, no agent notes."""
        return self.model_dump(
            mode="json",
            exclude={
                "seq",
                "declined_by",
                "missed_by",
                "offered_to",
                "notes",
                "wrap_up",
                "help_request_id",
            },
        )


class EscalationEvent(Record):
    id: str
    escalation_id: str
    seq: int
    type: str
    at: datetime = Field(default_factory=utcnow)
    actor: str
    data: dict[str, Any] = Field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """An agent's routing state: occupied units and since when it has been idle.

    A plain dataclass, not a pydantic record: routing builds one per available agent
    per decision, and validation there cost ~10 % of a busy node's CPU."""

    agent_id: str
    load: dict[str, int] = field(default_factory=dict)
    idle_since: datetime | None = None  # None while it holds anything
    # Moved on by every committed change where the store counts them (Redis): a copy
    # kept current from several sources keeps the newest (``LoadView.seen``).
    version: int = field(default=0, compare=False)
    # Open offers to the agent and the units they reserve (part of ``load``): the
    # console's presence reads them here rather than listing every open offer.
    offers: int = 0
    offered: dict[str, int] = field(default_factory=dict)

    def used(self, unit: str) -> int:
        return self.load.get(unit, 0)

    @property
    def total(self) -> int:
        return sum(self.load.values())

    def fits(self, units: Iterable[str], capacity: dict[str, int]) -> bool:
        return all(self.used(u) < capacity.get(u, 0) for u in units)


class Deadline(Record):
    escalation_id: str  # the record it belongs to: a conversation's id for bot_reply
    kind: DeadlineKind
    due: datetime


class ClaimedDeadline(Record):
    escalation_id: str
    kind: DeadlineKind
    token: str  # proves the claim when dropping it


class IdempotencyRecord(Record):
    key: str
    body_hash: str
    done: bool = False
    status: int = 0
    response: str = ""  # the JSON body replayed


@dataclass(frozen=True)
class LoadChange:
    """Occupy (delta +1, checked against capacity) or free (delta -1) an agent's units;
    ``offer`` +1/-1 opens or closes an offer to the agent over ``units`` (its count and
    reserved units, never below zero), whatever ``delta`` does."""

    agent_id: str
    delta: int
    units: tuple[str, ...]
    capacity: dict[str, int] = field(default_factory=dict)
    offer: int = 0


@dataclass(frozen=True)
class EscalationWrite:
    """One atomic step: compare ``expected_seq``, store ``escalation``, append ``events``,
    apply load changes (all or none: ``full`` when a unit is at capacity), set or
    clear deadlines, and store ``session`` (the escalation's session, created or
    replaced with it: one commit rather than two). ``expected_seq`` 0 creates the
    record."""

    escalation: Escalation
    expected_seq: int
    events: tuple[EscalationEvent, ...]
    loads: tuple[LoadChange, ...] = ()
    set_deadlines: tuple[Deadline, ...] = ()
    clear_deadlines: tuple[DeadlineKind, ...] = ()
    previous_state: State | None = None  # the state the expected record was in
    session: Session | None = None
    # The session as ``session`` was decided on, when not read for this write: the
    # write is a ``conflict`` unless the stored session is still exactly it.
    previous_session: Session | None = None
