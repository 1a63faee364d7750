"""Data subjects: find and erase what the store keeps about one customer.

A customer is known by what the integrator said about them: the ``customer`` of an
escalation's or a conversation's context (id, e-mail, name) and a callback's customer
id, name and e-mail. Both stores keep a **subject index**, written with the record when
it is created: ``subject key -> refs`` where a key is a hash of one normalised
identifier (so the index itself holds no personal data, in SQLite rows or in Redis key
names) and a ref names a record (``escalation:<id>``, ``conversation:<id>``,
``callback:<id>``). A search is then one indexed lookup per identifier, never a scan of
the tenant's records. Records written before the index existed are not found by name
or e-mail (escalations still are by verified customer id, through their own index).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from store.callbacks import CallbackRequest
from store.chat_models import Conversation
from store.engagement_models import WebhookDelivery
from store.escalation_models import Escalation

SubjectKind = Literal["customer_id", "email", "name"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("customer_id", "email", "name")
RefKind = Literal["escalation", "conversation", "callback"]
MAX_SUBJECT_REFS = 10_000  # far above one customer's history; a search says if it is hit


def normalised(kind: SubjectKind, value: str) -> str:
    """How an identifier is compared: ids exactly (trimmed), e-mails and names without
    case or repeated spaces (NFKC, so "Jose\u0301" and "José" are one name)."""
    text = unicodedata.normalize("NFKC", value).strip()
    if kind == "customer_id":
        return text
    return " ".join(text.casefold().split())


# What an anonymised escalation event keeps: ids, numbers and codes the KPIs read
# (who accepted, waits, handle times, upgrade triggers...), never free text (transfer
# and wrap-up notes, CSAT comments, cancel reasons, bot intents).
KEPT_EVENT_KEYS = frozenset(
    {
        "agent_id",
        "wait_s",
        "waited_s",
        "handle_s",
        "expires_at",
        "withdrawn_from",
        "trigger",
        "modality",
        "modalities",
        "skills",
        "from_agent_id",
        "to",
        "to_agent_id",
        "disposition",
        "score",
        "kind",
        "decision",
        "requested_by",
        "consent_by",
        "state",
    }
)
CODE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def reason_code(reason: str | None) -> str | None:
    """A reason kept through anonymisation only if it is a code ("no_agents"), not text."""
    return reason if reason is not None and CODE.match(reason) else None


def anonymised_event_data(data: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in data.items() if k in KEPT_EVENT_KEYS}
    code = reason_code(data.get("reason") if isinstance(data.get("reason"), str) else None)
    return kept | {"reason": code} if code else kept


def subject_key(kind: SubjectKind, value: str) -> str:
    digest = hashlib.sha256(f"{kind}\0{normalised(kind, value)}".encode()).hexdigest()
    return digest[:40]


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, raw: str) -> Ref | None:
        kind, _, ident = raw.partition(":")
        if kind not in ("escalation", "conversation", "callback") or not ident:
            return None
        return cls(kind, ident)  # type: ignore[arg-type]


def _keys(pairs: Iterable[tuple[SubjectKind, Any]]) -> list[str]:
    found = {
        subject_key(kind, value)
        for kind, value in pairs
        if isinstance(value, str) and normalised(kind, value)
    }
    return sorted(found)


def customer_keys(customer: Mapping[str, Any] | None) -> list[str]:
    if not customer:
        return []
    return _keys((k, customer.get("id" if k == "customer_id" else k)) for k in SUBJECT_KINDS)


def escalation_keys(esc: Escalation) -> list[str]:
    customer = esc.context.customer
    pairs: list[tuple[SubjectKind, Any]] = [("customer_id", esc.customer_id)]
    if customer is not None:
        pairs += [("customer_id", customer.id), ("email", customer.email), ("name", customer.name)]
    return _keys(pairs)


def conversation_keys(conversation: Conversation) -> list[str]:
    customer = conversation.context.get("customer")
    return customer_keys(customer) if isinstance(customer, Mapping) else []


def callback_keys(callback: CallbackRequest) -> list[str]:
    # The "phone" field takes whatever contact the customer left, an e-mail included.
    email = callback.phone if "@" in callback.phone else None
    return _keys([("customer_id", callback.customer_id), ("name", callback.name), ("email", email)])


class SubjectStore(Protocol):
    async def subject_refs(
        self, tenant_id: str, keys: Sequence[str], limit: int = MAX_SUBJECT_REFS
    ) -> list[Ref]:
        """Every record indexed under any of ``keys`` (deduplicated, at most ``limit``)."""
        ...

    async def forget_subject_refs(self, tenant_id: str, keys: Sequence[str], ref: Ref) -> None:
        """Remove ``ref`` from the index entries ``keys`` (the record is being erased)."""
        ...

    async def anonymise_escalation(self, escalation: Escalation) -> bool:
        """Replace the record by ``escalation`` (same id and seq: states and timestamps
        kept, personal data gone), keep only ``anonymised_event_data`` of each event,
        and drop it from the customer index; False when the record changed meanwhile
        (nothing changes)."""
        ...

    async def delete_conversation(self, conversation_id: str) -> int:
        """Forget a conversation, its messages and the bot's memory of it; how many
        messages it had (-1 when there was no such conversation)."""
        ...

    async def delete_callback(self, callback_id: str) -> bool: ...

    async def scrub_csat(self, escalation_id: str) -> bool:
        """Keep the score (the KPIs count it), drop the comment; whether there was one."""
        ...

    async def deliveries_for_escalation(self, escalation_id: str) -> list[WebhookDelivery]:
        """Webhook deliveries about an escalation (``WebhookDelivery.escalation_id``)."""
        ...

    async def delete_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int: ...
