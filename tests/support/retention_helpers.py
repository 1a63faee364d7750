"""Shared by the retention tests: one of each thing the purge removes, written as the
product writes it (files sealed under the data dir, records in the store), at the
real time now; the tests then move the purge's clock."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp

from cobrowse.recording import session_dir
from media.keys import SEALER
from media.library import RecordingInfo
from server.platform.keys import STORE
from signaling.keys import SESSION_NS
from store.audit_models import AuditEvent
from store.chat_models import ChatMessage, Conversation
from store.engagement_models import WebhookDelivery
from store.models import utcnow
from store.privacy_models import ConsentRecord
from tests.store.test_store_escalations import create, make_escalation, move
from tests.support.api import bearer, open_session
from tests.support.harness import RunningServer


@dataclass
class Seeded:
    """What ``seed`` wrote: the files and record ids the purge should remove."""

    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> paths
    escalations: list[str] = field(default_factory=list)
    conversations: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)


async def seed(server: RunningServer, copies: int = 1) -> Seeded:
    """``copies`` of: a call recording (+ sidecar), a co-browse segment, a snapshot, a
    finished escalation with its chat, a consent, an audit entry and a delivered
    webhook, all of the demo organisation."""
    store, sealer = server.app[STORE], server.app[SEALER]
    library = server.app[SESSION_NS].media.library
    seeded = Seeded(files={"call_recordings": [], "cobrowse_recordings": [], "snapshots": []})
    now = utcnow()
    for n in range(copies):
        session = await open_session(server)
        seeded.sessions.append(session.id)
        info = RecordingInfo(
            id="rec_" + os.urandom(6).hex(),
            session_id=session.id,
            peer_id="p_customer",
            role="customer",
            started_at=now.isoformat(),
            ended_at=now.isoformat(),
            duration_s=1.0,
            size=6,
            video_frames=1,
            audio_frames=1,
        )
        webm = library.recording_path(session.id, info.id)
        sealer.write_bytes(webm, b"\x1a\x45\xdf\xa3..")
        library.save_recording(info)
        seeded.files["call_recordings"].append(str(webm))
        segment = session_dir(server.config.data_dir, session.id) / f"{n}.ndjson.gz"
        sealer.write_bytes(segment, b"[]\n")
        seeded.files["cobrowse_recordings"].append(str(segment))
        snapshot = library.snapshot_path(session.id, "snap")
        assert snapshot is not None
        sealer.write_bytes(snapshot, b"\x89PNG....")
        seeded.files["snapshots"].append(str(snapshot))

        conversation = Conversation(id=f"cv_{session.id}", tenant_id="demo", session_id=session.id)
        await store.create_conversation(conversation)
        await store.append_message(
            ChatMessage(
                id=f"m_{session.id}",
                conversation_id=conversation.id,
                seq=0,
                sender="customer",
                sender_id="cus",
                sender_name="Ana",
                text="mi dirección es…",
            )
        )
        esc = await create(
            store,
            make_escalation(
                f"esc_{session.id}",
                tenant_id="demo",
                session_id=session.id,
                conversation_id=conversation.id,
                customer_id="cus_ana",
            ),
            "accepted",
        )
        await move(store, esc, "completed")
        seeded.escalations.append(esc.id)
        seeded.conversations.append(conversation.id)
        await store.append_consent(
            ConsentRecord(
                id=f"c_{session.id}",
                tenant_id="demo",
                session_id=session.id,
                participant_id="cus",
                participant_role="customer",
                kind="recording",
                decision="granted",
                text="Record?",
                lang="en",
            )
        )
        await store.append_audit(
            AuditEvent(
                id=f"au_{session.id}",
                tenant_id="demo",
                actor_id="ag_sofia",
                actor_name="Sofía",
                action="recording.replayed",
                target_type="recording",
                target_id=info.id,
            )
        )
        delivery = WebhookDelivery(
            id=f"d_{session.id}",
            tenant_id="demo",
            endpoint_id="wh1",
            event_type="escalation.completed",
            body='{"context": {"name": "Ana"}}',
            status="delivered",
        )
        await store.save_delivery(delivery)
        seeded.deliveries.append(delivery.id)
    return seeded


async def set_policy(
    http: aiohttp.ClientSession, server: RunningServer, token: str, **days: int
) -> aiohttp.ClientResponse:
    async with http.put(
        f"{server.url}/api/admin/settings/retention", json=days, headers=bearer(token)
    ) as r:
        await r.read()
        return r


async def purge_now(
    http: aiohttp.ClientSession, server: RunningServer, token: str
) -> aiohttp.ClientResponse:
    async with http.post(f"{server.url}/api/admin/retention/purge", headers=bearer(token)) as r:
        await r.read()
        return r


def at(moment: datetime) -> object:
    """A clock stopped at ``moment``."""
    return lambda: moment
