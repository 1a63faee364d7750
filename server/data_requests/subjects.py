"""Data subject requests, step one: find everything coview keeps about one customer.

The customer is named as the integrator named them (``customer`` of an escalation's
or a conversation's context, a callback's fields): a customer id, an e-mail, a name,
or several at once. The store's subject index (``store/subjects.py``) gives the
escalations, conversations and callbacks; from those come their sessions and, per
session, consents, call recordings, co-browse recordings and snapshots; per escalation,
its CSAT answer and webhook deliveries. ``Finding.items`` lists every one of them with
the path it takes in the export zip, so the search, the export and the erasure agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, model_validator

from cobrowse.recording import recordings_dir
from media.keys import SEALER
from media.library import SAFE_ID, MediaLibrary
from server.platform.keys import CONFIG, STORE
from server.platform.validation import ApiModel
from store.callbacks import CallbackRequest
from store.chat_models import Conversation
from store.engagement_models import CsatAnswer, WebhookDelivery
from store.escalation_models import Escalation
from store.privacy_models import ConsentRecord
from store.subjects import MAX_SUBJECT_REFS, SubjectKind, normalised, subject_key

ItemKind = Literal[
    "escalation",
    "conversation",
    "consents",
    "callback",
    "csat",
    "webhook_delivery",
    "recording",
    "cobrowse_recording",
    "snapshot",
]


class SubjectQuery(ApiModel):
    """Who the request is about: at least one of the integrator's identifiers."""

    customer_id: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, min_length=3, max_length=254)
    name: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_at_least(self) -> SubjectQuery:
        given = [v for v in (self.customer_id, self.email, self.name) if v is not None]
        if not given:
            raise ValueError("give a customer_id, an email or a name")
        if any(not normalised("name", v) for v in given):
            raise ValueError("an identifier cannot be blank")
        return self

    def pairs(self) -> list[tuple[SubjectKind, str]]:
        found: list[tuple[SubjectKind, str]] = []
        for kind in ("customer_id", "email", "name"):
            value = getattr(self, kind)
            if value is not None:
                found.append((kind, value))
        return found


class EraseBody(SubjectQuery):
    confirm: Literal[True] = Field(description="must be true: erasure cannot be undone")


class Item(BaseModel):
    """One thing found: what it is, its id, when, and where the export zip puts it."""

    kind: ItemKind
    id: str
    session_id: str | None = None
    at: datetime | str | None = None
    label: str = ""
    file: str


@dataclass(frozen=True)
class MediaFile:
    kind: Literal["recording", "cobrowse_recording", "snapshot"]
    session_id: str
    path: Path
    id: str


@dataclass
class Finding:
    query: SubjectQuery
    escalations: list[Escalation] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    callbacks: list[CallbackRequest] = field(default_factory=list)
    consents: dict[str, list[ConsentRecord]] = field(default_factory=dict)
    csat: list[CsatAnswer] = field(default_factory=list)
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    files: list[MediaFile] = field(default_factory=list)
    truncated: bool = False

    @property
    def session_ids(self) -> list[str]:
        ids = [e.session_id for e in self.escalations]
        ids += [c.session_id for c in self.conversations]
        return sorted({s for s in ids if SAFE_ID.match(s)})

    def items(self) -> list[Item]:
        # (kind, id, session, when, label, path in the zip) of each record found
        rows: list[tuple[ItemKind, str, str | None, datetime | None, str, str]] = [
            *(
                (
                    "escalation",
                    e.id,
                    e.session_id,
                    e.created_at,
                    f"{e.channel} · {e.state}",
                    f"escalations/{e.id}.json",
                )
                for e in self.escalations
            ),
            *(
                (
                    "conversation",
                    c.id,
                    c.session_id,
                    c.created_at,
                    c.state,
                    f"conversations/{c.id}.json",
                )
                for c in self.conversations
            ),
            *(
                ("consents", sid, sid, found[0].at, str(len(found)), f"consents/{sid}.json")
                for sid, found in self.consents.items()
            ),
            *(
                ("callback", c.id, None, c.created_at, c.status, f"callbacks/{c.id}.json")
                for c in self.callbacks
            ),
            *(
                ("csat", a.escalation_id, None, a.at, str(a.score), f"csat/{a.escalation_id}.json")
                for a in self.csat
            ),
            *(
                (
                    "webhook_delivery",
                    d.id,
                    None,
                    d.created_at,
                    d.event_type,
                    f"webhook-deliveries/{d.id}.json",
                )
                for d in self.deliveries
            ),
        ]
        found = [
            Item(kind=kind, id=ident, session_id=sid, at=at, label=label, file=file)
            for kind, ident, sid, at, label, file in rows
        ]
        return found + [media_item(f) for f in self.files]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items():
            counts[item.kind] = counts.get(item.kind, 0) + 1
        return counts


def media_item(media: MediaFile) -> Item:
    folder = {"recording": "recordings", "cobrowse_recording": "cobrowse", "snapshot": "snapshots"}
    return Item(
        kind=media.kind,
        id=media.id,
        session_id=media.session_id,
        at=None,
        label=media.path.name,
        file=f"{folder[media.kind]}/{media.session_id}/{media.path.name}",
    )


def library(app: web.Application) -> MediaLibrary:
    config = app[CONFIG]
    return MediaLibrary(config.data_dir, config.demo_videos_path, app[SEALER])


def session_files(app: web.Application, session_id: str) -> list[MediaFile]:
    """The files under the data dir about one session; ids that could leave their
    folder are never turned into paths."""
    if not SAFE_ID.match(session_id):
        return []
    media = library(app)
    found = [
        MediaFile("recording", session_id, p, p.stem)
        for p in sorted((media.recordings / session_id).glob("*.webm"))
    ]
    cobrowse = recordings_dir(app[CONFIG].data_dir) / session_id
    found += [
        MediaFile("cobrowse_recording", session_id, p, p.name.split(".")[0])
        for p in sorted(cobrowse.glob("*.ndjson.gz"))
    ]
    found += [
        MediaFile("snapshot", session_id, p, p.stem)
        for p in sorted((media.snapshots / session_id).glob("*.png"))
    ]
    return found


async def find(app: web.Application, tenant_id: str, query: SubjectQuery) -> Finding:
    store = app[STORE]
    finding = Finding(query)
    keys = [subject_key(kind, value) for kind, value in query.pairs()]
    refs = await store.subject_refs(tenant_id, keys, MAX_SUBJECT_REFS)
    finding.truncated = len(refs) >= MAX_SUBJECT_REFS
    escalations: dict[str, Escalation] = {}
    conversations: dict[str, Conversation] = {}
    for ref in refs:
        if ref.kind == "escalation":
            esc = await store.get_escalation(ref.id)
            if esc is not None and esc.tenant_id == tenant_id:
                escalations[esc.id] = esc
        elif ref.kind == "conversation":
            conv = await store.get_conversation(ref.id)
            if conv is not None and conv.tenant_id == tenant_id:
                conversations[conv.id] = conv
        else:
            callback = await store.get_callback(ref.id)
            if callback is not None and callback.tenant_id == tenant_id:
                finding.callbacks.append(callback)
    if query.customer_id is not None:  # verified ids have had their own index all along
        verified = await store.list_escalations(
            tenant_id, customer_id=normalised("customer_id", query.customer_id), limit=1000
        )
        escalations.update((e.id, e) for e in verified)
    await _linked(app, tenant_id, escalations, conversations)
    finding.escalations = sorted(escalations.values(), key=lambda e: (e.created_at, e.id))
    finding.conversations = sorted(conversations.values(), key=lambda c: (c.created_at, c.id))
    for esc in finding.escalations:
        answer = await store.get_csat(esc.id)
        if answer is not None:
            finding.csat.append(answer)
        finding.deliveries += await store.deliveries_for_escalation(esc.id)
    for session_id in finding.session_ids:
        records = await store.list_consents(session_id)
        if records:
            finding.consents[session_id] = records
        finding.files += session_files(app, session_id)
    return finding


async def _linked(
    app: web.Application,
    tenant_id: str,
    escalations: dict[str, Escalation],
    conversations: dict[str, Conversation],
) -> None:
    """A conversation that was escalated and the escalation it became belong together."""
    store = app[STORE]
    for esc in list(escalations.values()):
        if esc.conversation_id and esc.conversation_id not in conversations:
            conv = await store.get_conversation(esc.conversation_id)
            if conv is not None and conv.tenant_id == tenant_id:
                conversations[conv.id] = conv
    for conv in list(conversations.values()):
        if conv.escalation_id and conv.escalation_id not in escalations:
            linked = await store.get_escalation(conv.escalation_id)
            if linked is not None and linked.tenant_id == tenant_id:
                escalations[linked.id] = linked


def search_view(finding: Finding) -> dict[str, Any]:
    return {
        "subject": finding.query.model_dump(mode="json", exclude_none=True),
        "counts": finding.counts(),
        "truncated": finding.truncated,
        "items": [i.model_dump(mode="json") for i in finding.items()],
    }
