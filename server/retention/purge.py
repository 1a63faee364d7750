"""The retention purge: removes what is older than each organisation's policy
(``retention_policy.py``) from the store and the data dir.

One node at a time: a run holds the ``retention-purge`` lease in the store and renews
it between steps; a node that dies mid-purge stops renewing, the lease runs out
(``purge_lease_s``) and the next node's run starts over. Every delete is idempotent
(the store's purge methods and ``unlink`` remove only what is still there and count
only what they removed), so a run that starts over repeats nothing and two runs
never count an item twice. Time comes from ``clock``, which tests replace.

Each run logs its counts, writes them as the organisation's last report (a settings
document every node reads) and, when it removed something or an admin asked for it,
appends a ``retention.purged`` audit entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from cobrowse.recording import recordings_dir
from escalation.core.states import TERMINAL
from server.platform.access_audit import Actor, record_access
from server.platform.keys import CONFIG, STORE
from server.retention.policy import DEFAULT_POLICY, RetentionPolicy, load_policy
from store.models import utcnow
from store.outage import OutageLog, cancel_and_wait

log = logging.getLogger("coview.retention")

LEASE = "retention-purge"
LAST_REPORT = "retention_last_purge"  # settings document: the organisation's last run
BATCH = 200  # escalations per store call; the lease is renewed between calls
FIRST_RUN_MAX_S = 60.0  # a node's first run comes this soon after it starts
KINDS = (
    "call_recordings",
    "cobrowse_recordings",
    "snapshots",
    "escalations",
    "conversations",
    "consents",
    "audit_entries",
    "webhook_deliveries",
)
Clock = Callable[[], datetime]


class LeaseLost(Exception):
    """Another node holds the purge lease (ours ran out): this run stops."""


@dataclass(frozen=True)
class SystemActor:
    """Who the audit names for a scheduled run."""

    tenant_id: str
    agent_id: str = "system:retention"
    name: str = "Retention purge"


@dataclass(frozen=True)
class MediaFile:
    path: Path
    kind: str  # a KINDS entry
    session_id: str
    at: datetime  # when it was last written (a recording: its end, from the sidecar)
    companion: Path | None = None  # deleted with it (a recording's sidecar)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _recording_end(webm: Path) -> datetime:
    try:
        ended = json.loads(webm.with_suffix(".json").read_text())["ended_at"]
        at = datetime.fromisoformat(ended)
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    except (OSError, ValueError, KeyError, TypeError):
        return _mtime(webm)


def scan_media(data_dir: Path) -> list[MediaFile]:
    """Every sealed file under the data dir with its time (runs in a worker thread)."""
    found: list[MediaFile] = []
    for webm in (data_dir / "recordings").glob("*/*.webm"):
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile
            sidecar = webm.with_suffix(".json")
            found.append(
                MediaFile(webm, "call_recordings", webm.parent.name, _recording_end(webm), sidecar)
            )
    for kind, folder, pattern in (
        ("cobrowse_recordings", recordings_dir(data_dir), "*/*.ndjson.gz"),
        ("snapshots", data_dir / "snapshots", "*/*.png"),
    ):
        for path in folder.glob(pattern):
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                found.append(MediaFile(path, kind, path.parent.name, _mtime(path)))
    return found


def remove_files(files: list[MediaFile]) -> list[MediaFile]:
    """Unlinks each file; the ones this call removed (worker thread)."""
    removed: list[MediaFile] = []
    for f in files:
        try:
            f.path.unlink()
        except FileNotFoundError:
            continue
        removed.append(f)
        if f.companion is not None:
            f.companion.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty yet
            f.path.parent.rmdir()  # the session's folder, once empty
    return removed


class Purger:
    def __init__(self, app: web.Application, clock: Clock = utcnow) -> None:
        self.app = app
        self.clock = clock
        self.node_id = "node_" + secrets.token_hex(6)
        self.passed = asyncio.Event()  # set after each pass of the loop (tests await it)
        self.loop: asyncio.Task[None] | None = None
        # The lease is per node (a holder renews its own): this keeps the loop and an
        # admin's purge on the same node from running at once.
        self._running = asyncio.Lock()

    async def run(
        self,
        tenant_ids: Collection[str] | None = None,
        trigger: str = "schedule",
        actor: Actor | None = None,
    ) -> dict[str, dict[str, Any]] | None:
        """One purge of the given organisations (all of them when None); each one's
        report, or None when a purge is running (here, or on the node with the lease)."""
        if self._running.locked():
            return None
        async with self._running:
            return await self._run(tenant_ids, trigger, actor)

    async def _run(
        self, tenant_ids: Collection[str] | None, trigger: str, actor: Actor | None
    ) -> dict[str, dict[str, Any]] | None:
        store, config = self.app[STORE], self.app[CONFIG]
        started = self.clock()
        if not await store.acquire_lease(LEASE, self.node_id, started, config.purge_lease_s):
            return None
        try:
            tenants = (
                sorted(tenant_ids) if tenant_ids is not None else await store.list_tenant_ids()
            )
            policies = {t: await load_policy(store, t) for t in tenants}
            counts: dict[str, Counter[str]] = {t: Counter() for t in tenants}
            for tenant in tenants:
                await self._purge_store(tenant, policies[tenant], started, counts[tenant])
            await self._purge_files(policies, started, counts, everyone=tenant_ids is None)
            return await self._report(counts, policies, started, trigger, actor)
        finally:
            await store.release_lease(LEASE, self.node_id)

    async def _renew(self) -> None:
        store, config = self.app[STORE], self.app[CONFIG]
        if not await store.acquire_lease(LEASE, self.node_id, self.clock(), config.purge_lease_s):
            raise LeaseLost(LEASE)

    async def _purge_store(
        self, tenant: str, policy: RetentionPolicy, now: datetime, counts: Counter[str]
    ) -> None:
        store = self.app[STORE]

        def cutoff(days: int) -> datetime:
            return now - timedelta(days=days)

        while True:
            await self._renew()
            purged = await store.purge_escalations(
                tenant, cutoff(policy.transcripts_days), TERMINAL, BATCH
            )
            counts["escalations"] += len(purged)
            counts["conversations"] += sum(1 for e in purged if e.conversation_id)
            if len(purged) < BATCH:
                break
        await self._renew()
        counts["consents"] += await store.purge_consents(tenant, cutoff(policy.consents_days))
        counts["audit_entries"] += await store.purge_audit(tenant, cutoff(policy.audit_days))
        counts["webhook_deliveries"] += await store.purge_deliveries(
            tenant, cutoff(policy.webhook_deliveries_days)
        )

    async def _purge_files(
        self,
        policies: dict[str, RetentionPolicy],
        now: datetime,
        counts: dict[str, Counter[str]],
        everyone: bool,
    ) -> None:
        """Files by their session's organisation; in a run over every organisation, a
        session the store no longer knows gets the default policy."""
        store = self.app[STORE]
        files = await asyncio.to_thread(scan_media, self.app[CONFIG].data_dir)
        owners: dict[str, str | None] = {}
        expired: list[tuple[MediaFile, str | None]] = []
        for f in files:
            if f.session_id not in owners:
                session = await store.get_session(f.session_id)
                owners[f.session_id] = session.tenant_id if session else None
            owner = owners[f.session_id]
            policy = policies.get(owner or "")
            if policy is None:
                if not everyone:
                    continue
                policy = DEFAULT_POLICY
            days = (
                policy.call_recordings_days
                if f.kind == "call_recordings"
                else policy.cobrowse_recordings_days
            )
            if f.at < now - timedelta(days=days):
                expired.append((f, owner))
        for start in range(0, len(expired), BATCH):
            await self._renew()
            chunk = expired[start : start + BATCH]
            removed = set(await asyncio.to_thread(remove_files, [f for f, _ in chunk]))
            for f, owner in chunk:
                if f in removed:
                    if owner in counts:
                        counts[owner][f.kind] += 1
                    else:
                        log.info(
                            "retention purge removed %s of unknown session %s", f.kind, f.session_id
                        )

    async def _report(
        self,
        counts: dict[str, Counter[str]],
        policies: dict[str, RetentionPolicy],
        started: datetime,
        trigger: str,
        actor: Actor | None,
    ) -> dict[str, dict[str, Any]]:
        store = self.app[STORE]
        reports: dict[str, dict[str, Any]] = {}
        for tenant, counted in counts.items():
            removed = {kind: counted[kind] for kind in KINDS}
            report = {
                "id": "purge_" + secrets.token_hex(6),
                "started_at": started.isoformat(),
                "finished_at": self.clock().isoformat(),
                "node": self.node_id,
                "trigger": trigger,
                "removed": removed,
                "total": sum(removed.values()),
                "policy": policies[tenant].model_dump(),
            }
            await store.put_setting(tenant, LAST_REPORT, report)
            if report["total"] or actor is not None:
                who = actor if actor is not None else SystemActor(tenant)
                details = {"removed": removed, "trigger": trigger, "node": self.node_id}
                await record_access(
                    self.app, who, "retention.purged", "retention", str(report["id"]), details
                )
            if report["total"]:
                log.info("retention purge of %s removed %s", tenant, removed)
            reports[tenant] = report
        return reports


PURGER = web.AppKey("purger", Purger)


async def _loop(app: web.Application) -> None:
    interval = app[CONFIG].purge_interval_s
    failures = OutageLog(log, "retention purge")
    await asyncio.sleep(min(interval, FIRST_RUN_MAX_S))
    while True:
        try:
            await app[PURGER].run()
            failures.passed()
        except LeaseLost:
            log.warning("retention purge: lease lost to another node; it carries on")
        except Exception as exc:
            failures.failed(exc)
        app[PURGER].passed.set()
        await asyncio.sleep(interval)


async def purge_ctx(app: web.Application) -> AsyncIterator[None]:
    """The background purge (none when ``purge_interval_s`` is 0)."""
    task = asyncio.create_task(_loop(app)) if app[CONFIG].purge_interval_s > 0 else None
    app[PURGER].loop = task
    yield
    if task is not None:
        await cancel_and_wait(task)
