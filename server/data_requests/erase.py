"""Data subject requests, erasure: remove what ``find`` found, everywhere, and say what.

What goes and what stays (docs/privacy.md, "How to answer a request"):

- escalations are **anonymised**, not deleted: the context (customer, page, cart,
  transcript, bot), agent notes, wrap-up notes, a free-text reason and the free text
  in events (notes, comments, reasons) are emptied; id, tenant, channel, modalities,
  state, timestamps, agent, seq and the events' ids, numbers and codes stay
  (``store.subjects.KEPT_EVENT_KEYS``), so the KPIs keep their numbers;
- CSAT answers keep their score (the satisfaction KPI) and lose their comment;
- conversations (messages, attachments, the bot's memory), callbacks, consent
  records, webhook deliveries about the escalations, co-browse checkpoints and every
  file under the data dir for the sessions (call recordings and their sidecars,
  co-browse recordings, snapshots) are deleted; a recording's URL is then 404;
- the subject index entries pointing at them go, so a new search finds nothing.

Only escalations that have ended are erased: one still live is refused (409) with
nothing changed, since its session would go on writing what was just erased.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from aiohttp import web

from cobrowse.recording import recordings_dir
from escalation.core.states import TERMINAL
from media.library import SAFE_ID
from server.data_requests.subjects import Finding, library
from server.platform.errors import Conflict
from server.platform.keys import CONFIG, STORE
from store.escalation_models import Context, Escalation
from store.subjects import Ref, callback_keys, conversation_keys, escalation_keys, reason_code


def anonymised(esc: Escalation) -> Escalation:
    return esc.model_copy(
        update={
            "context": Context(),
            "customer_id": None,
            "conversation_id": None,
            "notes": [],
            "reason": reason_code(esc.reason),
            "wrap_up": esc.wrap_up.model_copy(update={"notes": ""}) if esc.wrap_up else None,
        }
    )


class Report:
    """Counts and ids per kind of what was erased."""

    def __init__(self) -> None:
        self.erased: dict[str, list[str]] = {}

    def add(self, kind: str, *ids: str) -> None:
        self.erased.setdefault(kind, []).extend(ids)

    def view(self) -> dict[str, Any]:
        return {kind: {"count": len(ids), "ids": ids} for kind, ids in self.erased.items() if ids}


async def erase(app: web.Application, finding: Finding) -> dict[str, Any]:
    live = [e.id for e in finding.escalations if e.state not in TERMINAL]
    if live:
        raise Conflict(f"end these escalations before erasing: {', '.join(live)}")
    store = app[STORE]
    report = Report()
    # What hangs off a session or an escalation goes first and the records that lead
    # to it last: a node dying mid-way leaves them findable, and erasing again
    # finishes the job (every step is idempotent).
    for session_id in finding.session_ids:
        consents = await store.list_consents(session_id)
        await store.delete_consents(session_id)
        report.add("consents", *(c.id for c in consents))
        if await store.cobrowse_checkpoint(session_id) is not None:
            report.add("cobrowse_checkpoints", session_id)
        await store.cobrowse_drop(session_id)
        for kind, removed in (await asyncio.to_thread(_remove_files, app, session_id)).items():
            report.add(kind, *removed)
    report.add("webhook_deliveries", *(d.id for d in finding.deliveries))
    await store.delete_deliveries(finding.deliveries)
    for conv in finding.conversations:
        messages = await store.delete_conversation(conv.id)
        await store.forget_subject_refs(
            conv.tenant_id, conversation_keys(conv), Ref("conversation", conv.id)
        )
        report.add("conversations", conv.id)
        report.add("messages", *(f"{conv.id}#{n}" for n in range(1, messages + 1)))
    for callback in finding.callbacks:
        await store.delete_callback(callback.id)
        await store.forget_subject_refs(
            callback.tenant_id, callback_keys(callback), Ref("callback", callback.id)
        )
        report.add("callbacks", callback.id)
    for esc in finding.escalations:
        if await store.scrub_csat(esc.id):
            report.add("csat_comments", esc.id)
        if not await store.anonymise_escalation(anonymised(esc)):
            raise Conflict(f"escalation {esc.id} changed meanwhile; erase again to finish")
        await store.forget_subject_refs(
            esc.tenant_id, escalation_keys(esc), Ref("escalation", esc.id)
        )
        report.add("escalations_anonymised", esc.id)
    return report.view()


def _remove_files(app: web.Application, session_id: str) -> dict[str, list[str]]:
    """Delete the session's folders under the data dir; the ids of the files they held.
    A session id that could name another folder is never made into a path."""
    if not SAFE_ID.match(session_id):
        return {}
    media = library(app)
    folders = {
        "recordings": (media.recordings / session_id, "*.webm"),
        "cobrowse_recordings": (recordings_dir(app[CONFIG].data_dir) / session_id, "*.ndjson.gz"),
        "snapshots": (media.snapshots / session_id, "*.png"),
    }
    removed: dict[str, list[str]] = {}
    for kind, (folder, pattern) in folders.items():
        if not folder.is_dir():
            continue
        removed[kind] = [_stem(p) for p in sorted(folder.glob(pattern))]
        shutil.rmtree(folder)
    return removed


def _stem(path: Path) -> str:
    return path.name.split(".")[0]
